export * from './logger';
export * from './version';
