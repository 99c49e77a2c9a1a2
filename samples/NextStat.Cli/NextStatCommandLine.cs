using System.CommandLine;
using System.CommandLine.Invocation;
using NextStat.Cli.Commands;
using NextStat.HistFactory;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Sharding;

namespace NextStat.Cli;

/// <summary>The <c>nextstat</c> command tree and the mapping of failures to messages and exit codes.</summary>
public static class NextStatCommandLine
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code (<see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        RootCommand root = Build(context);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
            {
                context.Error.WriteLine($"nextstat: {error.Message}");
            }
            string command = parse.CommandResult.Command == root ? "" : " " + parse.CommandResult.Command.Name;
            context.Error.WriteLine($"Run 'nextstat{command} --help' for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand(
            "nextstat: fits, profile scans, CLs limits, rankings and streamed toy batches for pyhf JSON (HistFactory)\n" +
            "workspaces. Every command reads --input WORKSPACE.json and prints JSON on stdout (or to --output).\n\n" +
            "Examples:\n" +
            "  nextstat fit --input samples/data/sample_workspace.json\n" +
            "  nextstat eval --input ws.json --set mu_SIG=0.5\n" +
            "  nextstat upper-limit --input bkgonly.json --patchset patchset.json --patch SIGNAL_POINT\n" +
            "  nextstat batch-fit --input ws.json --n-toys 10000 --output-dir toys\n" +
            "  nextstat merge --input-dir toys --output toys/merged.jsonl\n" +
            "Run 'nextstat COMMAND --help' for a command's options.\n\n" +
            ExitCodes.Help);
        foreach (Command command in Commands(context))
        {
            root.Add(command);
        }
        return root;
    }

    private static IEnumerable<Command> Commands(CliContext context)
    {
        yield return EvalCommand.Create(context);
        yield return FitCommand.Create(context);
        yield return BatchFitCommand.Create(context);
        yield return MergeCommand.Create(context);
    }

    /// <summary>
    /// Wraps a command body: user-facing failures become one line on stderr and their exit code, never a stack trace
    /// (set NEXTSTAT_DEBUG=1 to see one).
    /// </summary>
    internal static void SetGuardedAction(this Command command, CliContext context, Func<ParseResult, int> body)
    {
        command.SetAction(parse =>
        {
            try
            {
                return body(parse);
            }
            catch (Exception e)
            {
                (int code, string message) = Describe(e);
                context.Error.WriteLine($"nextstat {command.Name}: {message}");
                if (Environment.GetEnvironmentVariable("NEXTSTAT_DEBUG") == "1")
                {
                    context.Error.WriteLine(e.ToString());
                }
                return code;
            }
        });
    }

    private static (int Code, string Message) Describe(Exception e) => e switch
    {
        CliException cli => (cli.ExitCode, cli.Message),
        IncompleteMergeException incomplete => (ExitCodes.IncompleteMerge, incomplete.Message),
        ShardConflictException conflict => (ExitCodes.Conflict, conflict.Message),
        BatchRunMismatchException mismatch => (ExitCodes.Conflict, mismatch.Message),
        BatchFormatException format => (ExitCodes.Failure, format.Message),
        WorkspaceException workspace => (ExitCodes.Failure, workspace.Message),
        OperationCanceledException => (ExitCodes.Interrupted, "interrupted; output written so far is kept (rerun the same command to resume)"),
        ArgumentException argument => (ExitCodes.Usage, argument.Message),
        IOException or UnauthorizedAccessException => (ExitCodes.Failure, e.Message),
        _ => (ExitCodes.Failure, $"{e.GetType().Name}: {e.Message}"),
    };
}
