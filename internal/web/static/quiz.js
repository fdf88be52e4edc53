// The quiz attempt's script: it only enhances a form that works without it.
// - Answers are saved as she gives them (the same fields the form posts, to /attempts/:id/save).
// - The time left counts down in the role="timer" element (which screen readers do not read on
//   every tick); the assertive region says once when one minute is left, and when the time is
//   up the answers are sent, so that nothing is lost.
'use strict';
(function () {
  var form = document.getElementById('attempt-form');
  if (!form || !window.taito || !window.URLSearchParams || !window.FormData) {
    return;
  }
  var status = document.getElementById('autosave-status');
  var saveURL = form.getAttribute('data-save');
  var sending = false;
  var pending = null;
  var lastSaved = null;

  function say(text) {
    if (status && status.textContent !== text) {
      status.textContent = text;
    }
  }

  function fields() {
    var body = new URLSearchParams(new FormData(form));
    body.delete('unanswered');
    return body;
  }

  function save() {
    pending = null;
    if (sending) {
      return;
    }
    var body = fields();
    var key = body.toString();
    if (key === lastSaved) {
      return;
    }
    window.taito.post(saveURL, body).then(function (res) {
      return res.json().then(function (answer) {
        if (res.ok) {
          lastSaved = key;
        }
        say(answer.message || form.getAttribute('data-save-failed'));
      });
    }).catch(function () {
      say(form.getAttribute('data-save-failed'));
    });
  }

  function later(ms) {
    if (pending) {
      window.clearTimeout(pending);
    }
    pending = window.setTimeout(save, ms);
  }

  form.addEventListener('change', function () { later(300); });
  form.addEventListener('input', function (ev) {
    if (ev.target && ev.target.type === 'text') {
      later(1500);
    }
  });
  form.addEventListener('submit', function () {
    sending = true;
    if (pending) {
      window.clearTimeout(pending);
    }
  });

  var timer = document.getElementById('time-left');
  var alert = document.getElementById('time-alert');
  if (!timer) {
    return;
  }
  var total = parseInt(timer.getAttribute('data-seconds'), 10);
  if (isNaN(total)) {
    return;
  }
  var started = Date.now();
  var warned = total <= 60;
  var format = timer.getAttribute('data-format');
  var formatShort = timer.getAttribute('data-format-short');

  function show(left) {
    var m = Math.floor(left / 60);
    var s = left % 60;
    var text = m > 0 ? format.replace('{minutes}', m) : formatShort;
    timer.textContent = text.replace('{seconds}', s);
  }

  function tick() {
    var left = Math.max(0, total - Math.floor((Date.now() - started) / 1000));
    show(left);
    if (!warned && left <= 60) {
      warned = true;
      if (alert) {
        alert.textContent = alert.getAttribute('data-last-minute');
      }
    }
    if (left <= 0) {
      window.clearInterval(every);
      if (alert) {
        alert.textContent = alert.getAttribute('data-time-up');
      }
      if (!sending) {
        sending = true;
        var send = document.createElement('input');
        send.type = 'hidden';
        send.name = 'unanswered';
        send.value = 'send';
        form.appendChild(send);
        form.submit();
      }
    }
  }
  var every = window.setInterval(tick, 1000);
  tick();
})();
