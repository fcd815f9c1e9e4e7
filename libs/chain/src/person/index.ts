export * from './state';
export * from './facts';
export * from './apply-fact';
export * from './evolve';
export * from './decide';
export * from './summarise';
