export * from './events';
export * from './catalogue';
export * from './validate';
export * from './json-schema';
export * from './examples';
export { isCalendarDate, isRfc3339, addMonths, dateOfTime, daysBetween, daysInMonth } from './dates';
export * from './strings';
