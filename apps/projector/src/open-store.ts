// The projector opens the store exactly as the api does (data directory 0700, database retried),
// so both see the same database.
export { openConfiguredStore as openStoreFromConfig } from '../../api/src/runtime/open-store';
