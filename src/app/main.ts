/**
 * Entry of the SMART app. The chart panel, worklist and reports arrive with their issues; until then the
 * page says plainly that only the engine and the workflow library exist, rather than pretending more.
 */
const root = document.getElementById('root');
if (root) {
  root.textContent =
    'Careloop: the SMART app is not built yet. The engine and workflow library are in this build; see README.md.';
}
