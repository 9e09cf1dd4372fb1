/** The profile schema lives in the runtime-neutral contract; core code imports it from here. */
export * from '../../shared/profile';
