// Prints the plain closing line CI reads ("N passed, N failed, N skipped"). Tests skipped because
// a server is missing are counted as skipped, never as passed.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites - results.testResults.filter((r) => r.numFailingTests > 0).length;
    const failed = results.numFailedTests + Math.max(0, failedSuites);
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
