// The wall's script: reactions without a reload. Without it each reaction is a form post that
// comes back to the post.
'use strict';
(function () {
  document.querySelectorAll('form.reaction').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var button = form.querySelector('button');
      var on = form.querySelector('input[name="on"]');
      button.disabled = true;
      window.taito.post(form.action, new URLSearchParams(new FormData(form)))
        .then(function (res) {
          if (!res.ok) {
            throw new Error('status ' + res.status);
          }
          return res.json();
        })
        .then(function (r) {
          button.setAttribute('aria-pressed', r.pressed ? 'true' : 'false');
          form.querySelector('.count').textContent = String(r.count);
          on.value = r.pressed ? '0' : '1';
          button.disabled = false;
        })
        .catch(function () {
          // The page's own way: post the form and come back.
          form.submit();
        });
    });
  });
})();
