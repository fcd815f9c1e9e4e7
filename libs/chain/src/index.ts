export * from './code-lists';
export * from './actors';
export * from './catalogue';
export * from './person';
export * from './scope/scope';
