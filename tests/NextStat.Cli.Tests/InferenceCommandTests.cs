using System.Text.Json;

namespace NextStat.Cli.Tests;

/// <summary>
/// <c>hypotest</c>, <c>upper-limit</c>, <c>scan</c> and <c>ranking</c> on the bundled sample workspace; CLs against
/// pyhf 0.7.6's tightly converged record (tests/fixtures/pyhf/results/sbottom_regionA_1300_205_60.json).
/// </summary>
public sealed class InferenceCommandTests : IDisposable
{
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);
        return JsonDocument.Parse(result.Out).RootElement;
    }

    [Fact]
    public void Hypotest_equals_pyhf()
    {
        string path = Path.Combine(CliHarness.RepoRoot, "tests", "fixtures", "pyhf", "results", "sbottom_regionA_1300_205_60.json");
        JsonElement pyhf = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("hypotest_precise");
        JsonElement ours = Json(CliHarness.Run("hypotest", "--input", CliHarness.SampleWorkspace, "--mu", "1"));

        Assert.Equal(pyhf.GetProperty("CLs_obs").GetDouble(), ours.GetProperty("cls").GetDouble(), 5e-4);
        Assert.Equal(pyhf.GetProperty("CLsb_obs").GetDouble(), ours.GetProperty("clsb").GetDouble(), 5e-4);
        Assert.Equal(pyhf.GetProperty("CLb_obs").GetDouble(), ours.GetProperty("clb").GetDouble(), 5e-4);
        double[] expected = [.. pyhf.GetProperty("CLs_exp").EnumerateArray().Select(e => e.GetDouble())];
        string[] keys = ["minus_2sigma", "minus_1sigma", "median", "plus_1sigma", "plus_2sigma"];
        for (int k = 0; k < keys.Length; k++)
        {
            Assert.Equal(expected[k], ours.GetProperty("expected_cls").GetProperty(keys[k]).GetDouble(), 5e-4);
        }
    }

    [Fact]
    public void Upper_limit_brackets_the_observed_within_the_expected_band()
    {
        JsonElement limit = Json(CliHarness.Run("upper-limit", "--input", CliHarness.SampleWorkspace));
        Assert.Equal(0.95, limit.GetProperty("cl").GetDouble());
        JsonElement band = limit.GetProperty("expected");
        double lo = band.GetProperty("minus_2sigma").GetDouble(), hi = band.GetProperty("plus_2sigma").GetDouble();
        Assert.True(lo < band.GetProperty("median").GetDouble() && band.GetProperty("median").GetDouble() < hi);
        Assert.InRange(limit.GetProperty("observed").GetDouble(), lo, hi);
    }

    [Theory]
    [InlineData("svg")]
    [InlineData("png")]
    public void Scan_prints_points_and_draws_the_plot(string format)
    {
        string plot = Path.Combine(_dir, "scan." + format);
        JsonElement scan = Json(CliHarness.Run("scan", "--input", CliHarness.SampleWorkspace, "--points", "5", "--min", "0", "--max", "2", "--plot", plot));
        JsonElement[] points = [.. scan.GetProperty("points").EnumerateArray()];
        Assert.Equal([0.0, 0.5, 1.0, 1.5, 2.0], points.Select(p => p.GetProperty("mu").GetDouble()));
        // μ̂ = 0 at its bound here: Δtwice_nll grows from 0 along the scan.
        Assert.Equal(0, points[0].GetProperty("delta_twice_nll").GetDouble(), 1e-6);
        Assert.True(points.Zip(points.Skip(1)).All(p => p.Second.GetProperty("delta_twice_nll").GetDouble() > p.First.GetProperty("delta_twice_nll").GetDouble()));
        if (format == "svg")
        {
            string svg = File.ReadAllText(plot);
            Assert.Contains("<svg", svg);
            Assert.Contains("mu_SIG", svg);
        }
        else
        {
            // 800×600 layout drawn at twice the resolution; the curve is the only coloured ink (axes and text are grey).
            PngInk ink = PngInk.Read(plot, 1600, 1200);
            Assert.InRange(ink.DarkFraction, 0.004, 0.1);
            Assert.InRange(ink.ColouredFraction, 0.003, 0.1);
        }
    }

    [Theory]
    [InlineData("svg")]
    [InlineData("png")]
    public void Ranking_prints_sorted_impacts_and_draws_the_plot(string format)
    {
        string plot = Path.Combine(_dir, "ranking." + format);
        JsonElement ranking = Json(CliHarness.Run("ranking", "--input", CliHarness.SampleWorkspace, "--top", "10", "--plot", plot));
        Assert.Equal("mu_SIG", ranking.GetProperty("poi").GetString());
        Assert.Equal(0, ranking.GetProperty("failed_fits").GetInt32());
        JsonElement[] entries = [.. ranking.GetProperty("entries").EnumerateArray()];
        Assert.True(entries.Length > 10);
        double[] impacts = [.. entries.Select(e => Math.Max(Math.Abs(e.GetProperty("postfit_up").GetDouble()), Math.Abs(e.GetProperty("postfit_down").GetDouble())))];
        Assert.Equal(impacts.OrderByDescending(i => i), impacts);
        string first = entries[0].GetProperty("name").GetString()!;
        if (format == "svg")
        {
            string svg = File.ReadAllText(plot);
            Assert.Contains("<svg", svg);
            Assert.Contains(first, svg);
            Assert.Contains("θ at +1σ", svg);
        }
        else
        {
            // 900 × max(300, 40 + 24·10) layout at twice the resolution. μ̂ sits at its bound on this sample, so the
            // impacts (and bars) are 0: the ink is the axes, ten parameter names and the legend.
            PngInk ink = PngInk.Read(plot, 1800, 600);
            Assert.InRange(ink.DarkFraction, 0.01, 0.1);
        }
    }

    [Theory]
    [InlineData("scan", "plot.jpg")]
    [InlineData("ranking", "plot.pdf")]
    public void Unsupported_plot_formats_are_refused_before_any_fit(string command, string file)
    {
        CliResult result = CliHarness.Run(command, "--input", CliHarness.SampleWorkspace, "--plot", Path.Combine(_dir, file));
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"{file}: the file name must end in .png or .svg", result.Error);
        Assert.Empty(Directory.EnumerateFiles(_dir));
    }
}
