// "alice is typing…": sending throttled volatile notices, and showing the
// ones received until a pause.

const SEND_EVERY_MS = 1500;
const SHOW_FOR_MS = 3000;

/**
 * Tells the room, at most every 1.5 s, that we type: `notify()` on input,
 * `reset()` once a message is sent (receivers clear the notice on it).
 */
export function typingNotifier(socket, currentRoom) {
  let last = 0;
  return {
    notify() {
      const room = currentRoom();
      const now = Date.now();
      if (!room || !socket.connected || now - last < SEND_EVERY_MS) return;
      // A volatile emit is dropped while the transport is busy (a long-poll
      // POST in flight): leave it to the next keystroke.
      if (!socket.io.engine?.transport?.writable) return;
      last = now;
      socket.volatile.emit("typing", room); // dropped, not queued, when it cannot go now
    },
    reset() {
      last = 0;
    },
  };
}

/** Who is typing in each room; `onChange(room)` runs when that changes. */
export function typingTracker(onChange) {
  const rooms = new Map(); // room -> Map(nickname -> timer)
  const stop = (room, nickname) => {
    const people = rooms.get(room);
    if (!people?.has(nickname)) return;
    clearTimeout(people.get(nickname));
    people.delete(nickname);
    onChange(room);
  };
  return {
    typing(room, nickname) {
      if (!rooms.has(room)) rooms.set(room, new Map());
      const people = rooms.get(room);
      clearTimeout(people.get(nickname));
      people.set(nickname, setTimeout(() => stop(room, nickname), SHOW_FOR_MS));
      onChange(room);
    },
    stop,
    names(room) {
      return [...(rooms.get(room)?.keys() ?? [])];
    },
  };
}

/** The sentence shown under the messages. */
export function typingText(names) {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}
