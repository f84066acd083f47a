/**
 * Compile-time agreement between a fact's zod schema and its TypeScript type. The fact types are
 * hand-written interfaces (readonly, documented); the schemas are written beside them to validate
 * a `--from-facts` file. `Agrees<z.output<typeof S>, T>` is `true` only when both describe the
 * same shape: every key on both sides, optional on both or neither, the same value types (readonly
 * ignored). Asserting it (`const x: Agrees<...> = true`) turns any drift into a type error.
 */

/** T with `readonly` removed at every depth, and intersections flattened, so that only shape counts. */
export type Shape<T> = T extends readonly (infer U)[]
  ? Shape<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Shape<T[K]> }
    : T;

/** True when A and B are the same type (not merely assignable one to the other). */
export type Identical<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** True when a schema's output and a fact type have the same shape, in both directions. */
export type Agrees<SchemaOutput, FactType> = Identical<Shape<SchemaOutput>, Shape<FactType>>;
