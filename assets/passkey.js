// Passkeys (WebAuthn) for meldpunt's sign-in pages. The only script meldpunt ships, and
// only on the pages that offer a passkey: without JavaScript or WebAuthn those forms stay
// hidden and the authenticator app (or a recovery code) works as before.
//
// A form marked data-passkey="create" or "get" is shown; on submit the browser's passkey
// dialog opens with the options the server put in the form's data-options attribute (JSON),
// and the answer goes back in the form's hidden field "credential" by an ordinary form
// post. Cancelling shows the form's own message and posts nothing.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }
  function toBuffer(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }
  function toText(buf) {
    if (!buf) {
      return null;
    }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    (list || []).forEach(function (c) {
      c.id = toBuffer(c.id);
    });
  }
  async function create(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    ids(pk.excludeCredentials);
    var c = await navigator.credentials.create({ publicKey: pk });
    return {
      id: c.id,
      rawId: toText(c.rawId),
      type: c.type,
      extensions: c.getClientExtensionResults(),
      response: {
        attestationObject: toText(c.response.attestationObject),
        clientDataJSON: toText(c.response.clientDataJSON),
      },
    };
  }
  async function get(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    ids(pk.allowCredentials);
    var c = await navigator.credentials.get({ publicKey: pk });
    return {
      id: c.id,
      rawId: toText(c.rawId),
      type: c.type,
      extensions: c.getClientExtensionResults(),
      response: {
        authenticatorData: toText(c.response.authenticatorData),
        clientDataJSON: toText(c.response.clientDataJSON),
        signature: toText(c.response.signature),
        userHandle: toText(c.response.userHandle),
      },
    };
  }
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    var json = form.getAttribute("data-options");
    if (!json) {
      return;
    }
    form.hidden = false;
    var message = form.querySelector("[data-passkey-cancelled]");
    form.addEventListener("submit", async function (event) {
      if (form.elements.credential.value) {
        return;
      }
      event.preventDefault();
      if (message) {
        message.hidden = true;
      }
      // A fresh copy each time: the options are changed in place.
      var options = JSON.parse(json);
      try {
        var answer = form.getAttribute("data-passkey") === "create" ? await create(options) : await get(options);
        form.elements.credential.value = JSON.stringify(answer);
        form.submit();
      } catch (e) {
        if (message) {
          message.hidden = false;
          message.focus();
        }
      }
    });
  });
})();
