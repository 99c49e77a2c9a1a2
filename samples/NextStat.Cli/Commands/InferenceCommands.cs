using System.CommandLine;
using System.Text.Json;
using NextStat.HistFactory.Inference;

namespace NextStat.Cli.Commands;

/// <summary><c>scan</c>, <c>ranking</c>, <c>hypotest</c> and <c>upper-limit</c>: the inference procedures.</summary>
internal static class InferenceCommands
{
    private static InferenceOptions Options(ModelInput input, ParseResult parse) => new() { Threads = input.ThreadsOf(parse) };

    private static HistFactoryInferenceModel Model(ModelInput input, ParseResult parse) => new(input.Load(parse).Model);

    public static Command Scan(CliContext context)
    {
        var input = new ModelInput();
        var points = new Option<int>("--points") { Description = "Number of POI values (equally spaced, ends included).", DefaultValueFactory = _ => 21 };
        var min = new Option<double?>("--min") { Description = "First POI value (default: max(lower bound, μ̂ − 3σ̂))." };
        var max = new Option<double?>("--max") { Description = "Last POI value (default: min(upper bound, μ̂ + 3σ̂))." };
        var plot = new Option<string?>("--plot") { Description = "Also draw Δtwice_nll against the POI into this file: .png (image) or .svg (vector)." };
        var command = new Command("scan",
            "Profile-likelihood scan of the POI: fits with the POI fixed on a grid (warm-started, parallel, independent of " +
            "--threads). Prints the best fit and, per point, mu, twice_nll, delta_twice_nll, q_mu and q_mu_tilde.")
        {
            points, min, max, plot,
        };
        input.AddTo(command);
        command.SetGuardedAction(context, parse =>
        {
            string? plotPath = parse.GetValue(plot);
            Plotting.CheckPath(plotPath);
            int count = parse.GetValue(points);
            if (count < 2)
            {
                throw new CliException(ExitCodes.Usage, $"--points must be at least 2, got {count}");
            }
            HistFactoryInferenceModel model = Model(input, parse);
            InferenceOptions options = Options(input, parse);
            int poi = model.RequirePoi("scan");
            MleResult mle = MaximumLikelihood.Fit(model, options);
            double from = parse.GetValue(min) ?? Math.Max(model.LowerBounds[poi], mle.PoiValue - 3 * Width(mle));
            double to = parse.GetValue(max) ?? Math.Min(model.UpperBounds[poi], mle.PoiValue + 3 * Width(mle));
            if (!(to > from))
            {
                throw new CliException(ExitCodes.Usage, $"the scan range [{from}, {to}] is empty; give --min and --max");
            }
            ScanResult scan = ProfileScan.Run(model, ProfileScan.Grid(from, to, count), options, mle, context.Cancellation);
            if (plotPath is not null)
            {
                Plotting.Scan(scan, plotPath);
            }
            JsonOutput.Emit(context, input.OutputOf(parse), w =>
            {
                w.WriteStartObject();
                w.WriteString("poi", scan.Poi);
                WriteMle(w, mle);
                w.WriteStartArray("points");
                foreach (ScanPoint p in scan.Points)
                {
                    w.WriteStartObject();
                    w.Number("mu", p.Mu);
                    w.Number("twice_nll", p.TwiceNll);
                    w.Number("delta_twice_nll", p.DeltaTwiceNll);
                    w.Number("q_mu", p.QMu);
                    w.Number("q_mu_tilde", p.QMuTilde);
                    w.WriteBoolean("converged", p.Converged);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command RankingCommand(CliContext context)
    {
        var input = new ModelInput();
        var plot = new Option<string?>("--plot") { Description = "Also draw the impact plot (top --top parameters) into this file: .png (image) or .svg (vector)." };
        var top = new Option<int>("--top") { Description = "Parameters shown in the plot.", DefaultValueFactory = _ => 20 };
        var command = new Command("ranking",
            "Ranking (impacts) of the nuisance parameters on the POI: for each, fits with it fixed at θ̂ ± σ̂ (post-fit) and " +
            "θ̂ ± σ_prefit (pre-fit), warm-started and parallel. Prints entries sorted by post-fit impact with pulls and " +
            "constraints.")
        {
            plot, top,
        };
        input.AddTo(command);
        command.SetGuardedAction(context, parse =>
        {
            string? plotPath = parse.GetValue(plot);
            Plotting.CheckPath(plotPath);
            HistFactoryInferenceModel model = Model(input, parse);
            RankingResult ranking = Ranking.Run(model, Options(input, parse), null, context.Cancellation);
            if (plotPath is not null)
            {
                Plotting.Ranking(ranking, plotPath, Math.Max(1, parse.GetValue(top)));
            }
            JsonOutput.Emit(context, input.OutputOf(parse), w =>
            {
                w.WriteStartObject();
                w.WriteString("poi", ranking.Poi);
                WriteMle(w, ranking.Mle);
                w.WriteNumber("failed_fits", ranking.FailedFits);
                w.WriteStartArray("entries");
                foreach (RankingEntry e in ranking.Entries)
                {
                    w.WriteStartObject();
                    w.WriteString("name", e.Name);
                    w.Number("theta_hat", e.ThetaHat);
                    w.Number("sigma_postfit", e.SigmaPostfit);
                    w.Number("sigma_prefit", e.SigmaPrefit);
                    w.Number("pull", e.Pull);
                    w.Number("constraint", e.Constraint);
                    w.Number("postfit_up", e.PostfitUp);
                    w.Number("postfit_down", e.PostfitDown);
                    w.Number("prefit_up", e.PrefitUp);
                    w.Number("prefit_down", e.PrefitDown);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Hypotest(CliContext context)
    {
        var input = new ModelInput();
        var mu = new Option<double>("--mu") { Description = "The tested POI value.", Required = true };
        var command = new Command("hypotest",
            "Asymptotic CLs test of POI = --mu with q̃_μ and the Asimov data set (as pyhf's hypotest with " +
            "test_stat=\"qtilde\"): observed CLs, CLs+b, CLb and the expected CLs band (−2σ…+2σ).")
        {
            mu,
        };
        input.AddTo(command);
        command.SetGuardedAction(context, parse =>
        {
            var calculator = new AsymptoticCalculator(Model(input, parse), Options(input, parse));
            AsymptoticCls cls = calculator.Hypotest(parse.GetValue(mu));
            JsonOutput.Emit(context, input.OutputOf(parse), w =>
            {
                w.WriteStartObject();
                w.Number("mu", cls.Mu);
                w.Number("cls", cls.Cls);
                w.Number("clsb", cls.Clsb);
                w.Number("clb", cls.Clb);
                w.Number("q_mu_tilde", cls.QMuTilde);
                w.Number("sqrt_q_mu_asimov", cls.SqrtQMuAsimov);
                WriteBand(w, "expected_cls", cls.ExpectedCls);
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command UpperLimit(CliContext context)
    {
        var input = new ModelInput();
        var level = new Option<double>("--cl") { Description = "Confidence level.", DefaultValueFactory = _ => 0.95 };
        var muMax = new Option<double?>("--mu-max") { Description = "Upper end of the search (default: the POI's upper bound)." };
        var command = new Command("upper-limit",
            "Asymptotic CLs upper limit on the POI (observed and expected band −2σ…+2σ), by root finding on CLs = 1 − --cl.")
        {
            level, muMax,
        };
        input.AddTo(command);
        command.SetGuardedAction(context, parse =>
        {
            double cl = parse.GetValue(level);
            if (!(cl > 0 && cl < 1))
            {
                throw new CliException(ExitCodes.Usage, $"--cl must lie in (0, 1), got {cl}");
            }
            var calculator = new AsymptoticCalculator(Model(input, parse), Options(input, parse));
            UpperLimitResult limit = calculator.UpperLimit(cl, parse.GetValue(muMax));
            JsonOutput.Emit(context, input.OutputOf(parse), w =>
            {
                w.WriteStartObject();
                w.Number("cl", limit.ConfidenceLevel);
                w.Number("observed", limit.Observed);
                WriteBand(w, "expected", limit.Expected);
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static double Width(MleResult mle) => double.IsFinite(mle.PoiUncertainty) && mle.PoiUncertainty > 0 ? mle.PoiUncertainty : 1;

    private static void WriteMle(Utf8JsonWriter w, MleResult mle)
    {
        w.WriteStartObject("mle");
        w.Number("twice_nll", mle.TwiceNll);
        w.WriteBoolean("converged", mle.Converged);
        w.Number("poi_hat", mle.PoiValue);
        w.Number("poi_uncertainty", mle.PoiUncertainty);
        w.WriteEndObject();
    }

    // pyhf's order: −2σ, −1σ, median, +1σ, +2σ; written with explicit keys so scripts need not know it.
    private static void WriteBand(Utf8JsonWriter w, string name, IReadOnlyList<double> band)
    {
        string[] keys = ["minus_2sigma", "minus_1sigma", "median", "plus_1sigma", "plus_2sigma"];
        w.WriteStartObject(name);
        for (int k = 0; k < keys.Length && k < band.Count; k++)
        {
            w.Number(keys[k], band[k]);
        }
        w.WriteEndObject();
    }
}
