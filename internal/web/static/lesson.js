// Lesson pages: while the page is visible, report the time spent on the lesson every 30 seconds
// (a heartbeat), and update the lesson's state in words when it changes. Without this script the
// server credits the time between opening the page and the next page instead.
'use strict';
(function () {
  var state = document.getElementById('lesson-state');
  if (!state || !window.taito || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var url = state.getAttribute('data-heartbeat');
  var STEP = 30000; // ms between heartbeats
  var MAX = 35;     // seconds one heartbeat may report (the step and a little slack)
  var last = Date.now();
  var timer = null;

  function send() {
    var now = Date.now();
    var secs = Math.min(MAX, Math.round((now - last) / 1000));
    last = now;
    if (secs < 1) {
      return;
    }
    var body = new URLSearchParams();
    body.set('seconds', String(secs));
    window.taito.post(url, body).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (out) {
      if (out && out.lesson_state && out.lesson_state !== state.getAttribute('data-state')) {
        state.setAttribute('data-state', out.lesson_state);
        state.className = 'state state-' + out.lesson_state;
        state.textContent = out.state_text;
      }
    }).catch(function () { /* the next heartbeat tries again */ });
  }

  function start() {
    if (timer === null) {
      last = Date.now();
      timer = window.setInterval(send, STEP);
    }
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
      send(); // the visible time since the last heartbeat
    }
  }

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') {
      start();
    } else {
      stop();
    }
  });
  if (document.visibilityState === 'visible') {
    start();
  }
})();
