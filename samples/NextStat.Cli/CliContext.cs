namespace NextStat.Cli;

/// <summary>Where a command writes: results to <see cref="Out"/>, messages and progress to <see cref="Error"/>.</summary>
/// <param name="Out">Results (JSON).</param>
/// <param name="Error">Messages and progress.</param>
/// <param name="ErrorIsTerminal">Whether <paramref name="Error"/> is a terminal (progress bar) or a log (plain lines).</param>
/// <param name="Cancellation">Signalled on Ctrl+C / SIGTERM.</param>
public sealed record CliContext(TextWriter Out, TextWriter Error, bool ErrorIsTerminal, CancellationToken Cancellation)
{
    /// <summary>The process console.</summary>
    public static CliContext FromConsole(CancellationToken cancellation) =>
        new(Console.Out, Console.Error, !Console.IsErrorRedirected, cancellation);
}
