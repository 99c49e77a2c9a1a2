using System.Diagnostics;
using System.Globalization;
using NextStat.Kernels.Batching;

namespace NextStat.Cli;

/// <summary>
/// Shows batch progress on stderr: a redrawn bar on a terminal, or a plain line every
/// <c>interval</c> when stderr is a file (SLURM and HTCondor logs), so logs stay readable.
/// </summary>
internal sealed class ProgressReporter(CliContext context, string label, TimeSpan interval) : IProgress<BatchProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _last;
    private bool _barDrawn;

    public void Report(BatchProgress value)
    {
        TimeSpan now = _clock.Elapsed;
        bool done = value.Written == value.Count;
        TimeSpan every = context.ErrorIsTerminal ? TimeSpan.FromMilliseconds(100) : interval;
        if (!done && _last is { } last && now - last < every)
        {
            return;
        }
        _last = now;

        long ran = value.Written - value.Resumed;
        double rate = now.TotalSeconds > 0 ? ran / now.TotalSeconds : 0;
        double percent = value.Count == 0 ? 100 : 100.0 * value.Written / value.Count;
        string eta = rate > 0 && !done ? $", eta {FormatSpan(TimeSpan.FromSeconds((value.Count - value.Written) / rate))}" : "";
        string numbers = string.Create(CultureInfo.InvariantCulture, $"{value.Written}/{value.Count} ({percent:F1}%), {rate:F1} items/s{eta}");
        if (context.ErrorIsTerminal)
        {
            const int width = 30;
            int filled = value.Count == 0 ? width : (int)(width * value.Written / value.Count);
            context.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {numbers}   ");
            _barDrawn = true;
            if (done)
            {
                Finish();
            }
        }
        else
        {
            context.Error.WriteLine($"{label}: {numbers}");
        }
        context.Error.Flush();
    }

    /// <summary>Ends the bar's line so later messages start on a fresh line.</summary>
    public void Finish()
    {
        if (_barDrawn)
        {
            context.Error.WriteLine();
            _barDrawn = false;
        }
    }

    private static string FormatSpan(TimeSpan span) =>
        span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
