// The Socket.IO connection and its visible state: connecting, connected,
// reconnecting or offline. While not connected, the client keeps what is
// emitted in its send buffer and flushes it on reconnect.

const TRANSPORTS = ["polling", "websocket"];

/** `?transports=polling` (or `websocket`, or both comma-separated) from the page URL. */
function transportsFromUrl() {
  const asked = new URLSearchParams(location.search).get("transports");
  const list = (asked ?? "").split(",").filter((name) => TRANSPORTS.includes(name));
  return list.length > 0 ? list : undefined;
}

/**
 * Connects as `nickname`. The handshake names the rooms already joined, so
 * messages queued while offline land in the right rooms on reconnect.
 */
export function openConnection(nickname, joinedRooms) {
  const options = {
    auth: (send) => send({ nickname, rooms: joinedRooms() }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 2000,
  };
  const transports = transportsFromUrl();
  if (transports) options.transports = transports;
  return globalThis.io(options);
}

/** Calls `onChange(state, transport)` whenever the connection state may have changed. */
export function watchConnection(socket, signal, onChange) {
  let everConnected = false;
  const report = () => {
    let state;
    if (socket.connected) {
      everConnected = true;
      state = "connected";
    } else if (!navigator.onLine || !socket.active) {
      state = "offline";
    } else {
      state = everConnected ? "reconnecting" : "connecting";
    }
    onChange(state, socket.connected ? socket.io.engine?.transport?.name : undefined);
  };
  socket.on("connect", () => {
    socket.io.engine.once("upgrade", report);
    report();
  });
  socket.on("disconnect", report);
  socket.on("connect_error", report);
  socket.io.on("reconnect_attempt", report);
  socket.io.on("reconnect_error", report);
  socket.io.on("reconnect_failed", report);
  // The browser knows the network is gone long before a heartbeat would
  // notice: drop the transport now, so new messages are queued rather than
  // written into a dead connection. Reconnection starts by itself.
  addEventListener("offline", () => {
    if (socket.connected) socket.io.engine.close();
    report();
  }, { signal });
  addEventListener("online", report, { signal });
  report();
}
