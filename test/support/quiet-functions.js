// @azure/functions runs in "test mode" outside the host and warns once per registration; the
// warnings are expected here and would bury real output.
const warn = console.warn;
console.warn = (...args) => {
  if (typeof args[0] === 'string' && /package is in test mode|Failed to detect the Azure Functions runtime/.test(args[0])) return;
  warn(...args);
};
