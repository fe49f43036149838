/** A tree of translated strings; the English tree must have exactly the keys of the Chinese one. */
export type MessageTree = { readonly [key: string]: string | MessageTree };

type SameShape<T> = { readonly [K in keyof T]: T[K] extends string ? string : SameShape<T[K]> };

export interface AreaMessages<T extends MessageTree> {
  readonly name: string;
  readonly zh: T;
  readonly en: SameShape<T>;
}

export function defineMessages<T extends MessageTree>(name: string, zh: T, en: SameShape<T>): AreaMessages<T> {
  return { name, zh, en };
}
