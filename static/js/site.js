// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Report form: show the chosen sector's hint under the list.
  var sector = document.getElementById("sector");
  var hint = document.getElementById("sector-hint");
  if (sector && hint) {
    var show = function () {
      var opt = sector.options[sector.selectedIndex];
      hint.textContent = (opt && opt.getAttribute("data-hint")) || "";
    };
    sector.addEventListener("change", show);
    show();
  }
  // Report form: hide and disable the identity fields while "anonymous" is chosen, so nothing
  // typed there is sent by mistake.
  var anon = document.getElementById("anonymous");
  var named = document.getElementById("identified");
  var who = document.getElementById("identity-fields");
  if (anon && named && who) {
    var toggle = function () {
      who.hidden = anon.checked;
      var inputs = who.querySelectorAll("input");
      for (var i = 0; i < inputs.length; i++) { inputs[i].disabled = anon.checked; }
    };
    anon.addEventListener("change", toggle);
    named.addEventListener("change", toggle);
    toggle();
  }
  // Report form, proof of work (only when the address is past its submission burst): find a
  // nonce such that SHA-256(challenge ":" nonce) begins with `bits` zero bits, a slice at a time
  // so the page stays responsive; the form waits for it (and, refused by the limit, is sent once
  // it is found). Without this script the limit answers as before.
  var proof = document.getElementById("proof-of-work");
  if (proof) {
    var status = document.getElementById("proof-status");
    var form = proof.form;
    var challenge = proof.getAttribute("data-challenge");
    var bits = +proof.getAttribute("data-bits");
    var sendWhenSolved = proof.getAttribute("data-send") === "1";
    var waiting = sendWhenSolved;
    var say = function (what) {
      status.hidden = false;
      status.textContent = status.getAttribute("data-" + what);
    };
    var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
    var W = new Int32Array(64);
    var compress = function (h, m) {
      var t, a, b;
      for (t = 0; t < 16; t++) { W[t] = m[t]; }
      for (t = 16; t < 64; t++) {
        a = W[t - 15]; b = W[t - 2];
        W[t] = (W[t - 16] + (((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)) + W[t - 7] +
          (((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10))) | 0;
      }
      var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], H = h[7], T1, T2;
      for (t = 0; t < 64; t++) {
        T1 = (H + (((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7))) +
          ((E & F) ^ (~E & G)) + K[t] + W[t]) | 0;
        T2 = ((((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10))) +
          ((A & B) ^ (A & C) ^ (B & C))) | 0;
        H = G; G = F; F = E; E = (D + T1) | 0; D = C; C = B; B = A; A = (T1 + T2) | 0;
      }
      h[0] = (h[0] + A) | 0; h[1] = (h[1] + B) | 0; h[2] = (h[2] + C) | 0; h[3] = (h[3] + D) | 0;
      h[4] = (h[4] + E) | 0; h[5] = (h[5] + F) | 0; h[6] = (h[6] + G) | 0; h[7] = (h[7] + H) | 0;
    };
    // The state after the prefix's whole blocks (computed once), and its remaining bytes.
    var prefix = challenge + ":";
    var mid = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    var buf = new Uint8Array(128);
    var words = new Int32Array(16);
    var pack = function (off) {
      for (var i = 0; i < 16; i++) {
        var j = off + i * 4;
        words[i] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
      }
      return words;
    };
    var whole = prefix.length - (prefix.length % 64);
    for (var off = 0; off < whole; off += 64) {
      for (var i = 0; i < 64; i++) { buf[i] = prefix.charCodeAt(off + i); }
      compress(mid, pack(0));
    }
    var rest = prefix.slice(whole);
    var h = new Int32Array(8);
    var mask = bits >= 32 ? -1 : ~(-1 >>> bits);
    for (i = 0; i < rest.length; i++) { buf[i] = rest.charCodeAt(i); }
    var tries = function (nonce) {
      var n = rest.length + nonce.length, end = n + 9 > 64 ? 128 : 64, length = (prefix.length + nonce.length) * 8, i;
      for (i = 0; i < nonce.length; i++) { buf[rest.length + i] = nonce.charCodeAt(i); }
      buf[n] = 0x80;
      for (i = n + 1; i < end - 4; i++) { buf[i] = 0; }
      buf[end - 4] = length >>> 24; buf[end - 3] = length >>> 16; buf[end - 2] = length >>> 8; buf[end - 1] = length;
      h.set(mid);
      compress(h, pack(0));
      if (end > 64) { compress(h, pack(64)); }
      return (h[0] & mask) === 0;
    };
    var found = null;
    var counter = 0;
    var done = function () {
      proof.value = prefix + found;
      if (waiting) {
        say("sending");
        form.submit();
      } else {
        say("done");
      }
    };
    var work = function () {
      var until = Date.now() + 50;
      while (Date.now() < until) {
        for (var k = 0; k < 1000; k++, counter++) {
          if (tries(String(counter))) { found = String(counter); return done(); }
        }
      }
      setTimeout(work, 0);
    };
    form.addEventListener("submit", function (e) {
      if (found === null) { e.preventDefault(); waiting = true; say("working"); }
    });
    say(sendWhenSolved ? "sending-soon" : "working");
    setTimeout(work, 0);
  }
  // Receipt page: a print button, and a warning before leaving until the reporter confirms.
  var print = document.getElementById("print-receipt");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
  // Receipt page: a button that copies the receipt (the code itself is plain selectable text,
  // so without this script it can still be selected and copied by hand).
  var copy = document.getElementById("copy-receipt");
  var code = document.getElementById("receipt");
  var said = document.getElementById("copy-status");
  if (copy && code && said) {
    var tell = function (key) { said.textContent = copy.getAttribute(key) || ""; };
    var fallback = function () {
      var range = document.createRange();
      range.selectNodeContents(code);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var done = false;
      try { done = document.execCommand("copy"); } catch (err) { done = false; }
      tell(done ? "data-done" : "data-failed");
    };
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var text = code.textContent.trim();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { tell("data-done"); }, fallback);
      } else {
        fallback();
      }
    });
  }
  var saved = document.getElementById("saved");
  if (saved) {
    window.addEventListener("beforeunload", function (e) {
      if (!saved.checked) { e.preventDefault(); e.returnValue = ""; }
    });
  }
})();
