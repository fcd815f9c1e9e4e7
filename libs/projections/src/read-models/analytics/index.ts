export * from './analytics-histories';
export * from './history-reader';
