// The certificates page: a button beside each verification link copies it, and says so in a
// live region. Without the script the link is in a read-only field to select and copy.
'use strict';
(function () {
  document.querySelectorAll('input[data-copy-label]').forEach(function (input) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button-secondary';
    button.textContent = input.getAttribute('data-copy-label');
    var status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.className = 'hint';
    input.insertAdjacentElement('afterend', status);
    input.insertAdjacentElement('afterend', button);
    button.addEventListener('click', function () {
      var done = function () { status.textContent = input.getAttribute('data-copied'); };
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          if (document.execCommand('copy')) { done(); }
        });
      } else if (document.execCommand('copy')) {
        done();
      }
    });
  });
})();
