using System.Diagnostics;

namespace NextStat.Cli.Tests;

/// <summary>
/// Skia's dependency-free Linux build finds fonts only in the standard font folder and, with none, draws every label
/// as nothing. Hiding that folder from one child process (a private mount namespace with an empty folder on top,
/// which needs root) shows that <c>--plot FILE.png</c> is then refused before any fit instead of writing a plot
/// without text, and that SVG still works.
/// </summary>
public sealed class PngWithoutFontsTests : IDisposable
{
    private const string FontFolder = "/usr/share/fonts";
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int ExitCode, string Error) RunWithoutFonts(params string[] args)
    {
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["--mount", "sh", "-c", $"mount -t tmpfs none {FontFolder} && exec dotnet \"$0\" \"$@\"", CliHarness.HostDll, .. args])
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "nextstat without fonts did not finish in 2 minutes");
        _ = output.Result;
        return (process.ExitCode, error);
    }

    [SkippableFact]
    public void Png_is_refused_before_the_fit_and_svg_still_works()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess && Directory.Exists(FontFolder),
            "hiding the font folder needs Linux, root and a font folder to hide");
        string png = Path.Combine(_dir, "scan.png"), svg = Path.Combine(_dir, "scan.svg");

        (int code, string error) = RunWithoutFonts("scan", "--input", CliHarness.SampleWorkspace, "--points", "3", "--plot", png);
        Skip.If(error.StartsWith("unshare:", StringComparison.Ordinal) || error.StartsWith("mount:", StringComparison.Ordinal),
            $"this machine does not allow a private mount namespace: {error.Trim()}");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"--plot {png}: PNG output needs a TrueType font and none was found", error);
        Assert.False(File.Exists(png));

        (code, error) = RunWithoutFonts("scan", "--input", CliHarness.SampleWorkspace, "--points", "3", "--plot", svg);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("<svg", File.ReadAllText(svg));
    }
}
