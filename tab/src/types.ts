/** The tab API's answers and the settings it takes: the server's own types (bot/tab/tab-types.ts). */
export type * from '../../bot/tab/tab-types.ts';
