// Passkeys: the browser half of the WebAuthn ceremonies (the server half is
// src/routes/passkeys.rs). Adding one on /seguridad/llaves/, signing in with one on /login/
// and as the second step on /login/dos-pasos/. The parts it drives stay hidden without
// JavaScript or WebAuthn; the pages say so and everything else works.
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  // base64url <-> bytes (webauthn-rs sends and expects unpadded base64url).
  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // POSTs JSON; resolves with {ok, status, body}. A redirect (the session ended, or the
  // password is asked for again) reloads the page, which then shows where to go.
  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (response.type === "opaqueredirect") {
        window.location.reload();
        return new Promise(function () {});
      }
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  function creationOptions(options) {
    var publicKey = options.publicKey;
    publicKey.challenge = toBytes(publicKey.challenge);
    publicKey.user.id = toBytes(publicKey.user.id);
    (publicKey.excludeCredentials || []).forEach(function (item) {
      item.id = toBytes(item.id);
    });
    return { publicKey: publicKey };
  }

  function requestOptions(options) {
    var publicKey = options.publicKey;
    publicKey.challenge = toBytes(publicKey.challenge);
    (publicKey.allowCredentials || []).forEach(function (item) {
      item.id = toBytes(item.id);
    });
    return { publicKey: publicKey };
  }

  function registration(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: {
        attestationObject: toText(response.attestationObject),
        clientDataJSON: toText(response.clientDataJSON),
        transports: response.getTransports ? response.getTransports() : []
      }
    };
  }

  function assertion(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: {
        authenticatorData: toText(response.authenticatorData),
        clientDataJSON: toText(response.clientDataJSON),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : null
      }
    };
  }

  // A refusal from the server: its message, or the generic one.
  function refusal(result, fallback) {
    var error = new Error((result.body && result.body.error) || fallback);
    error.field = result.body && result.body.field;
    return error;
  }

  function go(result) {
    window.location.assign(result.body.redirect);
  }

  // Adding a passkey (/seguridad/llaves/).
  var addForm = document.getElementById("passkey-add");
  if (addForm) {
    var nameInput = addForm.querySelector("#nombre");
    var nameError = addForm.querySelector("#nombre-error");
    var addStatus = addForm.querySelector("#passkey-status");
    var notice = document.getElementById("passkeys-need-js");
    if (notice) {
      notice.hidden = true;
    }
    addForm.hidden = false;

    var showNameError = function (message) {
      nameError.textContent = message || "";
      nameError.hidden = !message;
      nameInput.setAttribute("aria-describedby", message ? "nombre-hint nombre-error" : "nombre-hint");
      if (message) {
        nameInput.setAttribute("aria-invalid", "true");
        nameInput.focus();
      } else {
        nameInput.removeAttribute("aria-invalid");
      }
    };

    addForm.addEventListener("submit", function (event) {
      event.preventDefault();
      showNameError("");
      addStatus.textContent = addForm.dataset.msgWaiting;
      post(addForm.action, { nombre: nameInput.value })
        .then(function (result) {
          if (!result.ok) {
            throw refusal(result, addForm.dataset.msgFailed);
          }
          return navigator.credentials.create(creationOptions(result.body));
        })
        .then(function (credential) {
          return post(addForm.dataset.finish, registration(credential));
        })
        .then(function (result) {
          if (!result.ok) {
            throw refusal(result, addForm.dataset.msgFailed);
          }
          go(result);
        })
        .catch(function (error) {
          if (error.field === "nombre") {
            addStatus.textContent = "";
            showNameError(error.message);
          } else {
            addStatus.textContent = error.field ? error.message : addForm.dataset.msgFailed;
          }
        });
    });
  }

  // Signing in with a passkey (/login/, /login/dos-pasos/).
  var signIn = document.getElementById("passkey-sign-in");
  if (signIn) {
    var button = document.getElementById("passkey-sign-in-button");
    var status = document.getElementById("passkey-sign-in-status");
    signIn.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = signIn.dataset.msgWaiting;
      post(signIn.dataset.options, { second_step: signIn.dataset.secondStep === "true" })
        .then(function (result) {
          if (!result.ok) {
            throw refusal(result, signIn.dataset.msgFailed);
          }
          return navigator.credentials.get(requestOptions(result.body));
        })
        .then(function (credential) {
          return post(signIn.dataset.finish, assertion(credential));
        })
        .then(function (result) {
          // A refusal that leads somewhere (an account pending deletion: the page with its
          // restore button) is followed.
          if (!result.ok && !(result.body && result.body.redirect)) {
            throw refusal(result, signIn.dataset.msgFailed);
          }
          go(result);
        })
        .catch(function (error) {
          status.textContent = error.field ? error.message : signIn.dataset.msgFailed;
          button.disabled = false;
        });
    });
  }
})();
