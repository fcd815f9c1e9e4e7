export * from './state';
export * from './facts';
export * from './evolve';
export * from './decide';
export * from './summarise';
