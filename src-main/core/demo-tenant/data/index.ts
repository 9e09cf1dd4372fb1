export * from './demo-data';
export * from './reports';
export { hashString, mix, Rng, guidFrom } from './prng';
export { isoSeconds, ymd } from './time';
export * from './planted';
