export * from './counties';
export * from './municipalities';
export * from './countries';
export * from './languages';
export * from './ssyk';
export * from './identifiers';
export * from './identifier-search';
