// DOM building: every user-supplied string goes through textContent.

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

const CONNECTION_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline: messages are queued",
};

const DELIVERY_TEXT = {
  queued: "Queued: sends when back online",
  sending: "Sending…",
  delivered: "Delivered ✓",
  failed: "Not delivered",
  rejected: "Rejected",
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

/** The connection badge in the top bar. */
export function renderConnection(badge, label, state, transport) {
  badge.dataset.state = state;
  badge.dataset.transport = transport ?? "";
  label.textContent = CONNECTION_TEXT[state] + (transport ? ` · ${transport}` : "");
}

/** One message of the log. */
export function messageItem(message, onRetry) {
  const time = new Date(message.time);
  const item = el(
    "li",
    { className: message.mine ? "message mine" : "message" },
    el(
      "p",
      { className: "meta" },
      el("span", { className: "author", textContent: message.author }),
      " ",
      el("time", { dateTime: time.toISOString(), textContent: clock.format(time) }),
    ),
    el("p", { className: "text", textContent: message.text }),
  );
  item.dataset.clientId = message.clientId;
  if (message.mine) {
    const retry = el("button", { type: "button", className: "link", textContent: "Retry" });
    retry.addEventListener("click", () => onRetry(message));
    item.append(el("p", { className: "delivery" }, el("span", { className: "state" }), " ", retry));
  }
  updateMessageItem(item, message);
  return item;
}

/** Shows a message's current delivery state and time. */
export function updateMessageItem(item, message) {
  item.dataset.status = message.status;
  const time = item.querySelector("time");
  const at = new Date(message.time);
  time.dateTime = at.toISOString();
  time.textContent = clock.format(at);
  const state = item.querySelector(".delivery .state");
  if (!state) return;
  state.textContent = message.error
    ? `${DELIVERY_TEXT[message.status]}: ${message.error}`
    : DELIVERY_TEXT[message.status];
  item.querySelector(".delivery button").hidden = !["failed", "rejected"].includes(message.status);
}

/** The room list: every room, with who is there and unread counts for joined ones. */
export function renderRoomList(list, rooms, { current, joined, unread }, onSelect) {
  list.replaceChildren(...rooms.map(({ name, online }) => {
    const button = el(
      "button",
      { type: "button", className: "room" },
      el("span", { className: "room-name", textContent: `# ${name}` }),
      el("span", { className: "room-online", textContent: `${online} online` }),
    );
    const count = unread(name);
    if (count > 0) {
      button.append(el("span", { className: "unread", textContent: String(count) }));
      button.setAttribute("aria-label", `# ${name}, ${online} online, ${count} unread`);
    }
    if (name === current) button.setAttribute("aria-current", "true");
    if (joined(name)) button.classList.add("joined");
    button.addEventListener("click", () => onSelect(name));
    const item = el("li", {}, button);
    item.dataset.room = name;
    return item;
  }));
}

/** Who is online in the current room. */
export function renderMembers(list, names, me) {
  list.replaceChildren(...names.map((name) => {
    const item = el("li", { textContent: name });
    if (name === me) item.append(el("span", { className: "you", textContent: " (you)" }));
    return item;
  }));
}
