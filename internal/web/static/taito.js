// Taito's own script: it only enhances pages that work without it.
// - An error summary gets the focus, so that a screen reader reads it first.
// - Forms marked data-confirm ask before they are sent.
'use strict';
(function () {
  var summary = document.getElementById('error-summary');
  if (summary) {
    summary.focus();
  }
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (!window.confirm(form.getAttribute('data-confirm'))) {
        ev.preventDefault();
      }
    });
  });
})();

// taito.post sends a form's fields with the page's CSRF token and returns the fetch promise;
// the other scripts use it.
window.taito = {
  csrf: function () {
    var el = document.querySelector('input[name="csrf"]');
    return el ? el.value : '';
  },
  post: function (url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': window.taito.csrf(), 'Accept': 'application/json' },
      body: body
    });
  }
};
