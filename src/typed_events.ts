/**
 * Type helpers for typed event maps, as in the official typings:
 * `Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>`.
 *
 * @module
 */

/** A map from event names to listener signatures. */
// deno-lint-ignore no-explicit-any
export type EventsMap = Record<string, any>;

/** The map used when none is given: any event, any arguments. */
export interface DefaultEventsMap {
  // deno-lint-ignore no-explicit-any
  [event: string]: (...args: any[]) => void;
}

/** Event names of a map. */
export type EventNames<Map extends EventsMap> = keyof Map & string;

/** The argument list of an event. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

/** Any listener. */
// deno-lint-ignore no-explicit-any
export type AnyListener = (...args: any[]) => void;

/** Every element of a tuple but the last. */
export type AllButLast<T extends unknown[]> = T extends [...infer H, infer _L] ? H : unknown[];

/** The last element of a tuple. */
export type Last<T extends unknown[]> = T extends [...infer _H, infer L] ? L : unknown;

/** The first argument of a function type. */
export type FirstArg<T> = T extends (arg: infer A, ...rest: infer _R) => unknown ? A : unknown;

/** The first argument of the ack callback of an event, or `unknown`. */
export type AckResult<Map extends EventsMap, Ev extends EventNames<Map>> = FirstArg<
  Last<EventParams<Map, Ev>>
>;

/**
 * The arguments of an event with a timeout: its ack callback gains an error
 * first argument, as in `socket.timeout(1000).emit("x", (err, value) => {})`.
 */
export type DecorateAcknowledgements<E extends EventsMap> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: DecorateArgs<P>) => R
    : E[K];
};

type DecorateArgs<P extends unknown[]> = P extends [...infer H, infer L]
  ? L extends (...a: infer A) => infer R2 ? [...H, (err: Error | null, ...a: A) => R2] : P
  : P;

/** Like {@linkcode DecorateAcknowledgements}, with one response per client. */
export type DecorateAcknowledgementsWithMultipleResponses<E extends EventsMap> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: DecorateMulti<P>) => R
    : E[K];
};

type DecorateMulti<P extends unknown[]> = P extends [...infer H, infer L]
  ? L extends (arg: infer A) => infer R2 ? [...H, (err: Error | null, responses: A[]) => R2] : P
  : P;
