/**
 * Type helpers for typed event maps, with the official names and meaning:
 * `Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>`.
 *
 * @module
 */

import type { EventsMap } from "../_internal/emitter.ts";

/** A map from event names to listener signatures. */
export type { EventsMap };

/** The map used when none is given: any event, any arguments. */
export interface DefaultEventsMap {
  /** Any event, any arguments. */
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

/** Any function. */
// deno-lint-ignore no-explicit-any
export type AnyFunction = (...args: any[]) => any;

/** `Y` when `T` is `any`, else `N`. */
export type IfAny<T, Y, N> = 0 extends 1 & T ? Y : N;

/** Every element of a tuple but the last. */
// deno-lint-ignore no-explicit-any
export type AllButLast<T extends any[]> = T extends [...infer H, infer _L] ? H : any[];

/** The last element of a tuple (the element type for an array). */
export type Last<T extends readonly unknown[]> = T extends readonly [...infer _H, infer L] ? L
  : T extends ReadonlyArray<infer E> ? E
  : never;

/** The first element of a tuple that is not an error: the answer of an ack. */
export type FirstNonErrorTuple<T extends unknown[]> = T[0] extends Error ? T[1] : T[0];

/** The first non-error argument of a callback type (`any` for a non-function). */
// deno-lint-ignore no-explicit-any
export type FirstNonErrorArg<T> = T extends (...args: infer P) => any ? FirstNonErrorTuple<P>
  // deno-lint-ignore no-explicit-any
  : any;

/**
 * Names of events whose last argument is an ack callback that receives a
 * value: the events `emitWithAck` may send. Every name, for an untyped map.
 */
export type EventNamesWithAck<
  Map extends EventsMap,
  K extends EventNames<Map> = EventNames<Map>,
> = IfAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (
    Last<Parameters<Map[K]>> extends AnyFunction
      ? FirstNonErrorArg<Last<Parameters<Map[K]>>> extends void ? never : K
      : never
  ) ? K
    : never
>;

/** The value an `emitWithAck` of `Ev` resolves with. */
export type AckResult<Map extends EventsMap, Ev extends EventNames<Map>> = FirstNonErrorArg<
  Last<EventParams<Map, Ev>>
>;

/** A callback argument gains a leading `err`, unless it has one already. */
// deno-lint-ignore no-explicit-any
export type PrependTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer P) => infer R
    ? P[0] extends Error ? T[K] : (err: Error, ...args: P) => R
    : T[K];
};

/** Each element of a tuple becomes an array of such elements. */
export type ArrayOfEach<T extends unknown[]> = { [K in keyof T]: T[K][] };

/** The first element of a tuple, keeping its label. */
// deno-lint-ignore no-explicit-any
export type FirstWithLabel<T extends any[]> = T extends [unknown, ...infer R]
  ? T extends [...infer H, ...R] ? H : never
  : never;

/** A callback argument receives one answer per client: `(answers[])` or `(err, answers[])`. */
// deno-lint-ignore no-explicit-any
export type ExpectMultipleResponses<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer P) => infer R ? P extends [Error] ? (err: Error) => R
    : P extends [Error, ...infer Rest]
      ? (err: Error, ...args: FirstWithLabel<ArrayOfEach<Rest>>) => R
    : P extends [] ? () => R
    : (...args: FirstWithLabel<ArrayOfEach<P>>) => R
    : T[K];
};

/**
 * The events of a socket after `timeout()`: each ack callback gets an error
 * first, as in `socket.timeout(1000).emit("x", (err, value) => {})`.
 */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R
    ? (...args: PrependTimeoutError<P>) => R
    : E[K];
};

/**
 * The events of a broadcast: each ack callback gets one answer per client,
 * as in `socket.broadcast.emit("x", (answers) => {})`.
 */
export type DecorateAcknowledgementsWithMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R
    ? (...args: ExpectMultipleResponses<P>) => R
    : E[K];
};

/**
 * The events of a broadcast after `timeout()`: each ack callback gets an
 * error, then one answer per client, as in
 * `io.timeout(1000).emit("x", (err, answers) => {})`.
 */
export type DecorateAcknowledgementsWithTimeoutAndMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R
    ? (...args: ExpectMultipleResponses<PrependTimeoutError<P>>) => R
    : E[K];
};

/**
 * The listener of `Ev`: the reserved event's own signature when `Ev` is
 * reserved, else the user map's; an untyped listener if neither knows it.
 */
export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends string,
> = FallbackToUntyped<
  Ev extends EventNames<Reserved> ? Reserved[Ev]
    : Ev extends EventNames<User> ? User[Ev]
    : never
>;

/** Names of the reserved events and of the user map's events. */
export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> =
  | EventNames<Reserved>
  | EventNames<User>;

/**
 * `T`, or an untyped listener when `T` is `never` (which, giving no
 * contextual type, would make every parameter an implicit any).
 */
// deno-lint-ignore no-explicit-any
export type FallbackToUntyped<T> = [T] extends [never] ? (...args: any[]) => void | Promise<void>
  : T;
