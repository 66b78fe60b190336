export * from './io/index';
