export { FileKeyProvider, KEY_FILE_NAME, type KeyProvider } from './key-provider';
export { DATA_KEY_KIND, IDENTIFIER_KINDS, PERSONAL_DATA_ERASED, PersonalData, isSealed, truncateWal, type FreshPerson } from './personal-data';
export { migrateIdentifiers, type IdentifierMigration } from './migrate-identifiers';
