// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so keyboard and screen-reader users hear the problems first.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }

  // The first-time tutorial: the server renders an open (non-modal) dialog with a plain form;
  // here it becomes modal, so focus moves in and stays there, Escape closes it (the browser
  // puts focus back where it was), and closing tells the server in the background.
  var dialog = document.getElementById("tutorial");
  if (dialog && typeof dialog.showModal === "function") {
    var form = dialog.querySelector("form");
    var token = form.querySelector("input[name=csrf_token]").value;
    // Not close(): that would fire the "close" event below at load.
    dialog.removeAttribute("open");
    dialog.showModal();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Accept": "application/json" }
      }).catch(function () { /* the flag was already set when the page was shown */ });
    });
  }

  // A preview of the photo chosen for upload, before it is sent.
  var photoInput = document.getElementById("foto_perfil");
  var preview = document.getElementById("foto-preview");
  if (photoInput && preview) {
    photoInput.addEventListener("change", function () {
      var file = photoInput.files && photoInput.files[0];
      if (!file) {
        preview.hidden = true;
        return;
      }
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    });
  }

  // Suggestions for a long list (the time zones): fetched once from a cached asset when the
  // field is first used, so the page itself stays small. Without this the server still reads
  // a typed city or zone name.
  document.querySelectorAll("datalist[data-src]").forEach(function (list) {
    var field = document.querySelector("input[list='" + list.id + "']");
    if (!field) { return; }
    var fill = function () {
      field.removeEventListener("focus", fill);
      fetch(list.getAttribute("data-src"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (names) {
          var options = document.createDocumentFragment();
          names.forEach(function (name) {
            var option = document.createElement("option");
            option.value = name;
            options.appendChild(option);
          });
          list.appendChild(options);
        })
        .catch(function () { /* typing the name still works */ });
    };
    field.addEventListener("focus", fill);
  });

  // A strength meter for new passwords. Only a hint: the server's verdict is the one that counts.
  var strength = document.querySelector("[data-strength-for]");
  if (strength) {
    var input = document.getElementById(strength.getAttribute("data-strength-for"));
    var meter = strength.querySelector("meter");
    var text = strength.querySelector(".strength-text");
    var labels = text.getAttribute("data-labels").split("|");
    var score = function (value) {
      if (!value) { return 0; }
      var classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) {
        return re.test(value);
      }).length;
      var unique = new Set(value.split("")).size;
      var points = 0;
      if (value.length >= 8) { points += 1; }
      if (value.length >= 12) { points += 1; }
      if (value.length >= 16) { points += 1; }
      if (classes >= 3) { points += 1; }
      if (unique < value.length / 2) { points -= 1; }
      return Math.max(0, Math.min(4, points));
    };
    input.addEventListener("input", function () {
      var value = score(input.value);
      strength.hidden = input.value.length === 0;
      meter.value = value;
      text.textContent = labels[value] || "";
    });
  }
})();

// Buttons that need a script (print, copy) are hidden in the HTML and shown here.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) {
      return;
    }
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) {
          status.textContent = button.getAttribute("data-copied");
        }
      });
    });
  });
})();
