/**
 * Compile-time agreement between a fact's zod schema and its TypeScript type. The fact types are
 * hand-written interfaces (readonly, documented); the schemas are written beside them to validate
 * a `--from-facts` file. `Agrees<z.output<typeof S>, T>` is `true` only when both describe the
 * same shape at every depth: every key on both sides, optional on both or neither, the same value
 * types (readonly ignored). Asserting it (`const x: Agrees<...> = true`) turns any drift into a
 * type error whose message lists the differing entries (`schemaOnly` / `typeOnly`).
 *
 * Why flattening: the first version compared `Shape<A>` and `Shape<B>` as two nested types. The
 * checker then relates them recursively, and past a few levels of the same recursive generic its
 * deep-nesting heuristic answers "maybe related" — a key dropped from `portals[].targets[].logins[]`
 * went unnoticed. Here each side is first *computed* into a flat union of entries, one per leaf
 * value and one per object (its key set), each naming its path from the root:
 *
 *   `['portals[].targets[].logins[].negotiation', 'mutualChap']`, `['portals[]', '{}', 'portal' | 'chapUser?' | …]`
 *
 * Computing a type is evaluation, not a relation check, so no heuristic applies; the two unions are
 * then compared entry by entry, each entry being a small tuple of a path and a primitive (or literal)
 * type, so the comparison never nests. Unions are distributed (`'a' | 'b' | null` gives three
 * entries, `X | null` gives X's entries and a null entry), so widening an enum, adding null or
 * changing a value type shows as an entry on one side only; a key added, dropped or made optional
 * changes its object's key-set entry. test/facts/agree.test.ts mutates the schemas and proves each
 * kind of drift is caught, at depth.
 */

/** Marks an object in a flattened shape: its path, and its keys (`key?` when optional). */
type ObjectMark = '{}';

/** True when key K of T is optional (`k?: X`; a required `k: X | undefined` is not). */
type Optional<T, K extends keyof T> = Partial<Pick<T, K>> extends Pick<T, K> ? true : false;

/** The keys of object T as strings, an optional one suffixed with `?`. */
type KeySet<T> = {
  [K in keyof T]-?: K extends string | number ? (Optional<T, K> extends true ? `${K}?` : `${K}`) : never;
}[keyof T];

/**
 * T flattened to a union of `[path, leaf]` entries and `[path, '{}', keys]` object marks (see the
 * file comment). Distributive over unions; `readonly` plays no part (arrays and tuples both give
 * `path[]`); `unknown` and `any` are leaves of their own.
 */
export type Flatten<T, P extends string = ''> = unknown extends T
  ? [P, T]
  : T extends unknown
    ? T extends readonly (infer U)[]
      ? Flatten<U, `${P}[]`>
      : T extends object
        ? // A function is no data; kept as a leaf so that it still shows in a diff.
          T extends (...args: never[]) => unknown
          ? [P, T]
          : [P, ObjectMark, KeySet<T>] | FlattenKeys<T, P>
        : [P, T]
    : never;

/** The entries of every property of object T, under `P.key`. Optional keys drop their `undefined`. */
type FlattenKeys<T, P extends string> = {
  [K in keyof T]-?: K extends string | number
    ? Flatten<Optional<T, K> extends true ? Exclude<T[K], undefined> : T[K], `${P}.${K}`>
    : never;
}[keyof T];

/** True when A and B are the same type (not merely assignable one to the other). */
export type Identical<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;


/**
 * `true` when a schema's output and a fact type have the same shape at every depth; otherwise an
 * object naming the flattened entries only one side has, so that the assertion's error shows them.
 * The verdict is identity of the two unions; the lists, only computed on drift, use plain
 * assignability (cheap), so an entry narrowed on one side (`string` against `'a'`) may show on
 * one list only.
 */
export type Agrees<SchemaOutput, FactType> =
  Identical<Flatten<SchemaOutput>, Flatten<FactType>> extends true
    ? true
    : {
        schemaOnly: Exclude<Flatten<SchemaOutput>, Flatten<FactType>>;
        typeOnly: Exclude<Flatten<FactType>, Flatten<SchemaOutput>>;
      };
