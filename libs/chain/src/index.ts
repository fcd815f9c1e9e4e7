export * from './code-lists';
export * from './actors';
export * from './catalogue';
export * from './person';
