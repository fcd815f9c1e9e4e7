export * from './code-lists';
