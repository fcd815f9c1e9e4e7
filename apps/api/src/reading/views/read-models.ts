// The read models are not (yet) exported from @kedja/projections' index, which belongs to the
// runner's owner; this one re-export is the only place that reaches into the library's folder.
export * from '../../../../../libs/projections/src/read-models';
