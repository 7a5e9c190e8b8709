// The chat once a nickname is chosen: joined rooms, their messages, and
// sending with acknowledgements (queued while offline, resent on reconnect).

import { openConnection, watchConnection } from "./connection.js";
import { typingNotifier, typingText, typingTracker } from "./typing.js";
import * as view from "./view.js";

const ACK_TIMEOUT_MS = 5000;
const FIRST_ROOM = "general";

const $ = (id) => document.getElementById(id);

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The server's spelling of a room name, for local look-ups. */
function roomKey(name) {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/** Starts chatting as `nickname`; `onFatal(message)` if the server refuses us. */
export function startChat(nickname, onFatal) {
  const ui = {
    connection: $("connection"),
    connectionText: $("connection-text"),
    roomList: $("room-list"),
    roomForm: $("room-form"),
    roomName: $("room-name"),
    roomError: $("room-error"),
    title: $("room-title"),
    leave: $("leave"),
    messages: $("messages"),
    typing: $("typing"),
    sendForm: $("send-form"),
    input: $("message"),
    members: $("members"),
  };
  /** room name -> { messages: [], unread: 0, members: [] } */
  const rooms = new Map([[FIRST_ROOM, newRoom()]]);
  let roomList = [{ name: FIRST_ROOM, online: 0 }];
  let current = FIRST_ROOM;
  const items = new Map(); // clientId -> <li> of the current room

  const lifetime = new AbortController(); // ends every listener if the server refuses us
  const { signal } = lifetime;
  const socket = openConnection(nickname, () => [...rooms.keys()]);
  const typing = typingTracker((room) => room === current && renderTyping());

  // -- rendering --

  function renderRooms() {
    view.renderRoomList(ui.roomList, roomList, {
      current,
      joined: (name) => rooms.has(name),
      unread: (name) => rooms.get(name)?.unread ?? 0,
    }, select);
  }

  function renderMessages() {
    items.clear();
    const messages = rooms.get(current)?.messages ?? [];
    ui.messages.replaceChildren(...messages.map((m) => {
      const item = view.messageItem(m, transmit);
      items.set(m.clientId, item);
      return item;
    }));
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function appendMessage(message) {
    const item = view.messageItem(message, transmit);
    items.set(message.clientId, item);
    const atEnd = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 40;
    ui.messages.append(item);
    if (atEnd || message.mine) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function renderMembers() {
    view.renderMembers(ui.members, rooms.get(current)?.members ?? [], nickname);
  }

  function renderTyping() {
    ui.typing.textContent = typingText(current ? typing.names(current) : []);
  }

  function renderRoom() {
    ui.title.textContent = current ? `# ${current}` : "No room: pick or create one";
    ui.leave.hidden = !current;
    ui.input.disabled = !current;
    ui.sendForm.querySelector("button").disabled = !current;
    renderMessages();
    renderMembers();
    renderTyping();
    renderRooms();
  }

  function setStatus(message, status, error) {
    message.status = status;
    message.error = error;
    const item = items.get(message.clientId);
    if (item && message.room === current) view.updateMessageItem(item, message);
  }

  // -- rooms --

  function select(name) {
    if (rooms.has(name)) switchTo(name);
    else join(name);
  }

  function switchTo(name) {
    current = name;
    if (name) rooms.get(name).unread = 0;
    renderRoom();
    if (name) ui.input.focus();
  }

  async function join(name) {
    ui.roomError.textContent = "";
    if (rooms.has(roomKey(name))) return switchTo(roomKey(name));
    if (!socket.connected) {
      ui.roomError.textContent = "You're offline: rooms can be joined once reconnected.";
      return;
    }
    let answer;
    try {
      answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("join", name);
    } catch {
      ui.roomError.textContent = "No answer from the server; try again.";
      return;
    }
    if (!answer.ok) {
      ui.roomError.textContent = answer.error;
      return;
    }
    rooms.set(answer.room, rooms.get(answer.room) ?? newRoom());
    applyJoin(answer);
    switchTo(answer.room);
  }

  function leave() {
    if (!current) return;
    rooms.delete(current);
    socket.emit("leave", current);
    switchTo(rooms.keys().next().value ?? null);
  }

  /** Re-reads a joined room's members and history (after every connect). */
  async function sync(name) {
    try {
      const answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck("join", name);
      if (answer.ok) applyJoin(answer);
    } catch { /* disconnected again: the next connect syncs */ }
  }

  function applyJoin({ room: name, members, history }) {
    const room = rooms.get(name);
    if (!room) return;
    room.members = members;
    const local = new Map(room.messages.map((m) => [m.clientId, m]));
    const merged = history.map((stored) => {
      const known = local.get(stored.clientId);
      local.delete(stored.clientId);
      if (!known) return fromServer(stored);
      const status = known.mine ? "delivered" : known.status; // stored, so delivered
      return Object.assign(known, { id: stored.id, time: stored.time, status, error: undefined });
    });
    for (const m of local.values()) if (m.id === undefined) merged.push(m); // not yet stored
    room.messages = merged;
    if (name === current) renderRoom();
  }

  // -- messages --

  function fromServer(stored) {
    const mine = stored.author === nickname;
    return { ...stored, mine, status: mine ? "delivered" : "received", attempt: 0 };
  }

  function send(text) {
    if (!current) return;
    const message = {
      clientId: newId(),
      room: current,
      author: nickname,
      text,
      time: Date.now(),
      mine: true,
      status: "queued",
      attempt: 0,
    };
    rooms.get(current).messages.push(message);
    appendMessage(message);
    transmit(message);
  }

  /** Sends (or resends, with the same clientId) and tracks the ack. */
  function transmit(message) {
    const attempt = ++message.attempt;
    const payload = { room: message.room, text: message.text, clientId: message.clientId };
    const onAnswer = (answer) => {
      if (attempt !== message.attempt) return; // superseded by a resend
      if (answer?.ok) {
        Object.assign(message, { id: answer.message.id, time: answer.message.time });
        setStatus(message, "delivered");
      } else {
        setStatus(message, "rejected", answer?.error ?? "invalid answer");
      }
    };
    if (socket.connected) {
      setStatus(message, "sending");
      socket.timeout(ACK_TIMEOUT_MS).emit("message", payload, (err, answer) => {
        if (attempt !== message.attempt) return;
        if (!err) return onAnswer(answer);
        if (socket.connected) setStatus(message, "failed", "no answer from the server");
        // Disconnected: the disconnect handler has queued it again.
      });
    } else {
      // No timeout: the client buffers this until it reconnects, however long.
      setStatus(message, "queued");
      socket.emit("message", payload, onAnswer);
    }
  }

  // -- socket events --

  watchConnection(socket, signal, (state, transport) => {
    view.renderConnection(ui.connection, ui.connectionText, state, transport);
  });

  socket.on("connect", () => {
    for (const room of rooms.values()) {
      for (const m of room.messages) if (m.status === "queued") setStatus(m, "sending");
    }
    for (const name of rooms.keys()) sync(name);
  });

  socket.on("disconnect", () => {
    // Unanswered messages may or may not have arrived: queue them again.
    // The server drops a resend whose clientId it has already stored.
    for (const room of rooms.values()) {
      for (const m of room.messages) if (m.status === "sending") transmit(m);
    }
  });

  socket.on("connect_error", (err) => {
    if (socket.active) return; // a network error: reconnection goes on
    lifetime.abort();
    socket.disconnect();
    onFatal(err.message);
  });

  socket.on("rooms", (list) => {
    roomList = list;
    renderRooms();
  });

  socket.on("members", ({ room, members }) => {
    if (!rooms.has(room)) return;
    rooms.get(room).members = members;
    if (room === current) renderMembers();
  });

  socket.on("message", (stored) => {
    const room = rooms.get(stored.room);
    if (!room || room.messages.some((m) => m.clientId === stored.clientId)) return;
    const message = fromServer(stored);
    room.messages.push(message);
    typing.stop(stored.room, stored.author);
    if (stored.room === current) appendMessage(message);
    else {
      room.unread++;
      renderRooms();
    }
  });

  socket.on("typing", ({ room, nickname: who }) => {
    if (rooms.has(room) && who !== nickname) typing.typing(room, who);
  });

  // -- form controls --

  const typingNotice = typingNotifier(socket, () => current);
  ui.input.addEventListener("input", () => ui.input.value.trim() && typingNotice.notify(), {
    signal,
  });
  ui.sendForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (!text) return;
    send(text);
    typingNotice.reset();
    ui.input.value = "";
  }, { signal });
  ui.roomForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.roomName.value.trim();
    if (!name) return;
    ui.roomName.value = "";
    join(name);
  }, { signal });
  ui.leave.addEventListener("click", leave, { signal });

  renderRoom();
}

function newRoom() {
  return { messages: [], unread: 0, members: [] };
}
