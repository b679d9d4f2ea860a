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
