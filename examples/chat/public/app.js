// Entry point: pick a nickname, then chat.

import { startChat } from "./chat.js";

const NICKNAME_KEY = "webio-chat-nickname";

const loginView = document.getElementById("login");
const chatView = document.getElementById("chat");
const form = document.getElementById("login-form");
const input = document.getElementById("nickname");
const error = document.getElementById("login-error");
const me = document.getElementById("me");

input.value = localStorage.getItem(NICKNAME_KEY) ?? "";

function showLogin(message) {
  error.textContent = message;
  chatView.hidden = true;
  me.hidden = true;
  loginView.hidden = false;
  input.focus();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const nickname = input.value.trim().replace(/\s+/g, " ");
  if (!nickname || [...nickname].length > 24) {
    error.textContent = "Pick a nickname of 1 to 24 characters.";
    return;
  }
  if (typeof globalThis.io !== "function") {
    error.textContent = "The Socket.IO client (/socket.io/socket.io.js) did not load.";
    return;
  }
  error.textContent = "";
  localStorage.setItem(NICKNAME_KEY, nickname);
  loginView.hidden = true;
  chatView.hidden = false;
  me.textContent = `Signed in as ${nickname}`;
  me.hidden = false;
  startChat(nickname, (message) => showLogin(`The server refused the connection: ${message}`));
  document.getElementById("message").focus();
});
