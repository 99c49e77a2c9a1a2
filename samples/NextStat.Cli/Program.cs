using System.Runtime.InteropServices;
using NextStat.Cli;

// Ctrl+C and SIGTERM (what SLURM and HTCondor send before a kill) cancel the running command; a batch then flushes
// the records finished so far, so rerunning the same command resumes it.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

return NextStatCommandLine.Run(args, CliContext.FromConsole(cancellation.Token));
