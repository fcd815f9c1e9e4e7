// The read models are not exported from @kedja/projections' index (it belongs to the runner's
// owner); like reading/views/read-models.ts, this one re-export is the only reach into its folder.
export * from '../../../../../libs/projections/src/read-models/analytics';
