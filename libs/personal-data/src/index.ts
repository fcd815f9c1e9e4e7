export { FileKeyProvider, KEY_FILE_NAME, type KeyProvider } from './key-provider';
export { DATA_KEY_KIND, IDENTIFIER_KINDS, PersonalData, isSealed, truncateWal, type FreshPerson } from './personal-data';
