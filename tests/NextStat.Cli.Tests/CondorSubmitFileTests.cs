using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NextStat.Cli.Tests;

/// <summary>
/// samples/scripts/condor_toys.sub without an HTCondor pool: its submit description is expanded the way
/// condor_submit expands it (command-line macros, <c>$(name:default)</c>, <c>$(Process)</c>, the quoted
/// <c>arguments</c> syntax), and every queued process's command line is run through the console host. The shards
/// must merge into the bytes of a single run, so a change of flags in the host or in the file breaks this test.
/// </summary>
public sealed partial class CondorSubmitFileTests : IDisposable
{
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string SubmitFile => Path.Combine(CliHarness.RepoRoot, "samples", "scripts", "condor_toys.sub");

    [Fact]
    public void Queued_processes_merge_to_the_single_run_bytes()
    {
        string outdir = Path.Combine(_dir, "toys");
        Directory.CreateDirectory(outdir);
        var macros = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["workspace"] = CliHarness.SampleWorkspace,
            ["ntoys"] = "7",
            ["jobs"] = "3",
            ["outdir"] = outdir,
            ["seed"] = "13",
            ["Cluster"] = "42",
        };
        (Dictionary<string, string> commands, string queue) = Read(SubmitFile);

        Assert.Equal("3", Expand(queue, macros));
        Assert.Equal("/usr/local/bin/nextstat", Expand(commands["executable"], macros));
        Assert.Equal("1", Expand(commands["request_cpus"], macros));
        for (int process = 0; process < 3; process++)
        {
            macros["Process"] = process.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(Path.Combine(outdir, $"condor_42_{process}.err"), Expand(commands["error"], macros));
            string[] args = Arguments(Expand(commands["arguments"], macros));
            Assert.Equal("batch-fit", args[0]);
            CliResult job = CliHarness.Run(args);
            Assert.True(job.ExitCode == ExitCodes.Ok, $"process {process}: {string.Join(' ', args)}\n{job.Error}");
            Assert.True(File.Exists(Path.Combine(outdir, $"toys_{process + 1:0000}.jsonl")), $"process {process} wrote no toys_{process + 1:0000}.jsonl");
        }

        string merged = Path.Combine(_dir, "merged.jsonl");
        CliResult merge = CliHarness.Run("merge", "--input-dir", outdir, "--output", merged);
        Assert.True(merge.ExitCode == ExitCodes.Ok, merge.Error);

        string single = Path.Combine(_dir, "single");
        CliResult run = CliHarness.Run("batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", "7", "--output-dir", single,
            "--seed", "13", "--threads", "1");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "toys.jsonl")), File.ReadAllBytes(merged));
    }

    [Fact]
    public void Arguments_follow_the_quoted_submit_syntax()
    {
        Assert.Equal(["a", "b c", "it's", "say \"x\""], Arguments("\"a 'b c' 'it''s' 'say \"\"x\"\"'\""));
    }

    // Submit commands (case-insensitive names, last one wins) and the queue statement's argument.
    private static (Dictionary<string, string> Commands, string Queue) Read(string path)
    {
        var commands = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? queue = null;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("queue", StringComparison.OrdinalIgnoreCase))
            {
                queue = line["queue".Length..].Trim();
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(eq > 0, $"{path}: not a submit command: {line}");
            commands[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }

        Assert.NotNull(queue);
        return (commands, queue);
    }

    // $(name) and $(name:default), innermost first, until nothing is left to expand.
    private static string Expand(string text, IReadOnlyDictionary<string, string> macros)
    {
        for (int round = 0; round < 10; round++)
        {
            string next = Macro().Replace(text, m =>
            {
                string name = m.Groups["name"].Value;
                if (macros.TryGetValue(name, out string? value))
                {
                    return value;
                }

                Assert.True(m.Groups["default"].Success, $"macro $({name}) has no value and no default");
                return m.Groups["default"].Value;
            });
            if (next == text)
            {
                return text;
            }

            text = next;
        }

        throw new InvalidOperationException($"macros do not settle: {text}");
    }

    // The "new" arguments syntax: the value in double quotes, arguments split at spaces, single quotes group, and a
    // doubled quote of either kind stands for itself.
    private static string[] Arguments(string value)
    {
        Assert.True(value.Length >= 2 && value[0] == '"' && value[^1] == '"', $"arguments must use the quoted syntax: {value}");
        string body = value[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        var args = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        bool any = false;
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c == '\'')
            {
                if (quoted && i + 1 < body.Length && body[i + 1] == '\'')
                {
                    current.Append('\'');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                    any = true;
                }
            }
            else if (c == ' ' && !quoted)
            {
                if (any || current.Length > 0)
                {
                    args.Add(current.ToString());
                }

                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
            }
        }

        if (any || current.Length > 0)
        {
            args.Add(current.ToString());
        }

        return [.. args];
    }

    [GeneratedRegex(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_.]*)(:(?<default>[^()$]*))?\)")]
    private static partial Regex Macro();
}
