// Steps through every slide of a deck and writes what it measured into <pre id="slide-audit"> (JSON).
// tools/build_slides.py (--audit) and tests/test_slides.py inject it into a copy of a deck, open that copy in
// headless Chromium at 1280x720 and read the JSON back from the DOM. Counted per deck:
//   overflow   slides whose content is taller or wider than the slide (after the deck's own fitting)
//   cut        code or output blocks wider than their box (text cut at the right edge or a scroll bar)
//   errors     JavaScript errors (window errors, failed loads, rejected promises, console.error)
//   math       MathJax typeset: formulas rendered, TeX errors
//   sections   main (##) sections and whether each has a speaker note (<aside class="notes">)
(function () {
  "use strict";
  var TOLERANCE = 2; // px of rounding
  function text(node) {
    return (node.textContent || "").replace(/\s+/g, " ").replace(/¶/g, "").trim().slice(0, 70);
  }
  function report(result) {
    var pre = document.createElement("pre");
    pre.id = "slide-audit";
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
  }
  function measure(Reveal) {
    var config = Reveal.getConfig();
    var width = config.width, height = config.height;
    var slides = Reveal.getSlides();
    var result = {width: width, height: height, slides: [], sections: [], errors: window.__slideErrors || []};
    var section = null;
    slides.forEach(function (slide, index) {
      var at = Reveal.getIndices(slide);
      Reveal.slide(at.h, at.v, Number.MAX_SAFE_INTEGER); // all fragments shown (hidden ones take space too)
      var scale = parseFloat(slide.style.scale || "1") || 1; // the deck's own fit step may have shrunk it
      var contentHeight = slide.scrollHeight * scale, contentWidth = slide.scrollWidth * scale;
      var cut = [];
      slide.querySelectorAll("pre").forEach(function (pre) {
        if (pre.closest("aside.notes")) return;
        if (pre.scrollWidth > pre.clientWidth + TOLERANCE) cut.push(text(pre));
      });
      var wide = [];
      slide.querySelectorAll("img, svg, table, .jp-OutputArea-output").forEach(function (el) {
        if (el.closest("aside.notes") || el.closest("mjx-container")) return;
        var box = el.getBoundingClientRect(), frame = slide.getBoundingClientRect();
        if (box.right > frame.right + TOLERANCE * Reveal.getScale()) wide.push(el.tagName.toLowerCase());
      });
      slide.querySelectorAll("h2").forEach(function (h2) {
        if (h2.closest("aside.notes")) return;
        section = {title: text(h2), slide: index, notes: 0};
        result.sections.push(section);
      });
      var notes = slide.querySelectorAll("aside.notes").length;
      if (section && notes) section.notes += notes;
      result.slides.push({
        index: index, h: at.h, v: at.v, title: text(slide.querySelector("h1, h2, h3, h4, p, pre") || slide),
        height: Math.round(contentHeight), width: Math.round(contentWidth), scale: scale,
        overflow: contentHeight > height + TOLERANCE || contentWidth > width + TOLERANCE || wide.length > 0,
        cut: cut, wide: wide, notes: notes
      });
    });
    var formulas = document.querySelectorAll("mjx-container").length;
    var texErrors = document.querySelectorAll("mjx-merror, [data-mjx-error]").length;
    var raw = 0; // TeX left as text: display math or \( \) delimiters MathJax did not replace
    document.querySelectorAll(".jp-RenderedMarkdown").forEach(function (md) {
      var walker = document.createTreeWalker(md, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        var node = walker.currentNode;
        if (node.parentElement.closest("code, pre, aside.notes")) continue;
        if (/\$\$|\\\(|\\\[/.test(node.nodeValue)) raw += 1;
      }
    });
    result.math = {formulas: formulas, errors: texErrors, raw: raw,
                   loaded: !!(window.MathJax && window.MathJax.startup && window.MathJax.startup.document)};
    report(result);
  }
  function waitFor(Reveal, tries) {
    var mathDone = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    if (!Reveal.isReady() || !mathDone) {
      if (tries > 400) { report({fatal: "reveal.js or MathJax never became ready", errors: window.__slideErrors}); return; }
      setTimeout(function () { waitFor(Reveal, tries + 1); }, 50);
      return;
    }
    mathDone.then(function () { setTimeout(function () {
      try { measure(Reveal); } catch (e) { report({fatal: String(e), errors: window.__slideErrors}); }
    }, 100); });
  }
  require(["vendor/reveal.js/dist/reveal.js"], function (Reveal) { waitFor(Reveal, 0); });
})();
