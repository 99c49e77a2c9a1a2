using System.Globalization;
using System.Text;
using FsCheck.Xunit;
using NextStat.Kernels;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>
/// The evaluator sweeps histosys and normsys over tiles of four entries or blocks (lanes) across all parameters that
/// touch them (and the histosys gradient over the transpose, parameters as lanes), with identity cells where a
/// parameter misses a lane and padding lanes after the last target. These
/// models have parameters touching every lane, a single one, or two far apart, and are checked against pyhf's
/// formulas written out per bin, for every kernel width (which must also give the same bits), with the gradient
/// against finite differences.
/// </summary>
public sealed class ModifierTilesTests
{
    private const int Samples = 10;
    private const int Bins = 40;

    public static TheoryData<double, double, double> Points() => new()
    {
        { 0.4, -0.3, 0.6 },
        { 1.7, 1.2, -1.4 },
        { -1.3, -2.1, 2.2 },
        { 0.0, 1.0, -1.0 },
    };

    [Theory]
    [MemberData(nameof(Points))]
    public void WideNarrowAndSplitParametersGiveThePyhfYieldsAndGradient(double normsys, double otherNormsys, double histosys)
    {
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(Json()));
        double[] pars = [.. model.Inits];
        pars[model.IndexOf("ns_wide")] = normsys;
        pars[model.IndexOf("ns_one")] = otherNormsys;
        pars[model.IndexOf("hs_wide")] = histosys;
        pars[model.IndexOf("hs_one")] = -histosys / 2;
        pars[model.IndexOf("hs_split")] = histosys / 3;
        pars[model.IndexOf("mu")] = 1.3;

        var expected = new double[Bins];
        model.ExpectedMainData(pars, expected);
        for (int bin = 0; bin < Bins; bin++)
        {
            double lambda = 0.0;
            for (int s = 0; s < Samples; s++)
            {
                double nominal = Nominal(s, bin);
                double shifted = nominal + Code4pShift(histosys, Up(s, bin), nominal, Down(s, bin));
                if (s == 3 && bin == 7)
                {
                    shifted += Code4pShift(-histosys / 2, nominal * 1.2, nominal, nominal * 0.9);
                }

                if ((s == 0 && bin == 0) || (s == Samples - 1 && bin == Bins - 1))
                {
                    shifted += Code4pShift(histosys / 3, nominal * 1.05, nominal, nominal * 0.97);
                }

                double factor = Code4(Hi(s), Lo(s), normsys) * (s == 5 ? Code4(1.3, 0.6, otherNormsys) : 1.0);
                lambda += shifted * factor * (s == 0 ? 1.3 : 1.0);
            }

            ParityTests.AssertClose(lambda, expected[bin], 1e-12, 1e-12, $"bin {bin} at ({normsys}, {otherNormsys}, {histosys})");
        }

        // Away from code4's joins at |α| = 1 the analytic gradient matches finite differences.
        if (Math.Abs(Math.Abs(normsys) - 1) > 0.01 && Math.Abs(Math.Abs(otherNormsys) - 1) > 0.01)
        {
            ModelBehaviourTests.AssertGradient(model, pars);
        }
    }

    /// <summary>
    /// Random models (1–3 channels of 1–4 bins, 1–9 samples, six normsys and six histosys parameters shared at random
    /// between samples, some histosys bins equal to the nominal, one normfactor per channel) at random points, with
    /// α anywhere in [−2.5, 2.5] (every piece of every code): the expected data follow pyhf's per-bin formulas, every
    /// width gives the same bits for the expected data, twice_nll and its gradient, and the gradient matches central
    /// differences away from the interpolation joins.
    /// </summary>
    [Property(MaxTest = 40)]
    public void RandomModelsFollowThePerBinFormulasWithTheSameBitsOnEveryWidth(int seed)
    {
        var random = new Random(seed);
        var normsysCode = random.Next(2) == 0 ? NormSysInterpolation.Code4 : NormSysInterpolation.Code1;
        var histosysCode = (HistoSysInterpolation)Enum.GetValues<HistoSysInterpolation>().GetValue(random.Next(3))!;
        RandomModel spec = RandomModel.Draw(random);
        HistFactoryModel Build(KernelWidth width) => HistFactoryModel.Build(Workspace.Parse(spec.Json()), options: new ModelOptions
        {
            NormSys = normsysCode,
            HistoSys = histosysCode,
            Kernels = new KernelContext { Width = width, MaxDegreeOfParallelism = 1 },
        });

        HistFactoryModel model = Build(KernelWidth.Scalar);
        double[] pars = [.. model.Inits];
        foreach (string name in model.ParameterNames)
        {
            pars[model.IndexOf(name)] = name.StartsWith("mu", StringComparison.Ordinal) ? 0.5 + random.NextDouble()
                : name.StartsWith("staterror", StringComparison.Ordinal) ? 0.9 + (0.2 * random.NextDouble())
                : (5 * random.NextDouble()) - 2.5;
        }

        var expected = new double[model.BinCount];
        model.ExpectedMainData(pars, expected);
        double[] reference = spec.Lambda(name => pars[model.IndexOf(name)], normsysCode, histosysCode);
        for (int bin = 0; bin < reference.Length; bin++)
        {
            ParityTests.AssertClose(reference[bin], expected[bin], 1e-12, 1e-12, $"seed {seed}, bin {bin}");
        }

        var gradient = new double[model.ParameterCount];
        double value = model.ObservedObjective.CreateEvaluator().ValueAndGradient(pars, gradient);
        foreach (KernelWidth width in new[] { KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512 })
        {
            HistFactoryModel other = Build(width);
            var otherExpected = new double[model.BinCount];
            other.ExpectedMainData(pars, otherExpected);
            var otherGradient = new double[model.ParameterCount];
            double otherValue = other.ObservedObjective.CreateEvaluator().ValueAndGradient(pars, otherGradient);
            Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), otherExpected.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(otherValue));
            Assert.Equal(gradient.Select(BitConverter.DoubleToInt64Bits), otherGradient.Select(BitConverter.DoubleToInt64Bits));
        }

        // Joins: code4 and code4p/code2 at |α| = 1, code1 and code0 at α = 0 (central differences straddle them).
        HistFactoryEvaluator evaluator = model.ObservedObjective.CreateHistFactoryEvaluator();
        for (int i = 0; i < pars.Length; i++)
        {
            string name = model.ParameterNames[i];
            double join = (name.StartsWith("ns", StringComparison.Ordinal) && normsysCode == NormSysInterpolation.Code1)
                || (name.StartsWith("hs", StringComparison.Ordinal) && histosysCode == HistoSysInterpolation.Code0) ? 0.0 : 1.0;
            if (Math.Abs(Math.Abs(pars[i]) - join) < 0.01)
            {
                continue;
            }

            double numeric = ParityTests.CentralDifference(evaluator, pars, i);
            Assert.True(Math.Abs(gradient[i] - numeric) <= 1e-6 + (1e-4 * Math.Abs(numeric)),
                $"seed {seed}: d/d{name} analytic {gradient[i]:R} vs central difference {numeric:R}");
        }
    }

    private static double Nominal(int sample, int bin) => 20.0 + (5.0 * Math.Sin((3 * sample) + bin)) + sample;

    private static double Up(int sample, int bin) => Nominal(sample, bin) * (1.0 + (0.03 * Math.Cos(sample + (2.0 * bin))));

    private static double Down(int sample, int bin) => Nominal(sample, bin) * (1.0 - (0.02 * Math.Sin((2.0 * sample) + bin)));

    private static double Hi(int sample) => 1.05 + (0.01 * sample);

    private static double Lo(int sample) => 0.93 - (0.005 * sample);

    private static double Code4(double hi, double lo, double alpha) =>
        alpha >= 1 ? Math.Pow(hi, alpha) : alpha <= -1 ? Math.Pow(lo, -alpha) : ModelBehaviourTests.Code4Polynomial(hi, lo, alpha);

    // pyhf code4p: α·up / α·down beyond ±1; inside, α·S + α²(15 − 10α² + 3α⁴)·A with S = (up + down)/2, A = (up − down)/16.
    internal static double Code4pShift(double alpha, double hi, double nominal, double lo)
    {
        double up = hi - nominal;
        double down = nominal - lo;
        if (alpha > 1)
        {
            return alpha * up;
        }

        if (alpha < -1)
        {
            return alpha * down;
        }

        double square = alpha * alpha;
        return (alpha * 0.5 * (up + down)) + (square * (15 - (10 * square) + (3 * square * square)) * (up - down) / 16);
    }

    private static string Json()
    {
        var json = new StringBuilder();
        json.Append("""{"channels": [{"name": "SR", "samples": [""");
        for (int s = 0; s < Samples; s++)
        {
            json.Append(s == 0 ? "" : ",");
            json.Append("{\"name\": \"s" + s + "\", \"data\": " + Row(b => Nominal(s, b)) + ", \"modifiers\": [");
            json.Append(HistoSys("hs_wide", b => Up(s, b), b => Down(s, b)) + ",");
            json.Append("{\"name\": \"ns_wide\", \"type\": \"normsys\", \"data\": {\"hi\": " + Number(Hi(s)) + ", \"lo\": " + Number(Lo(s)) + "}}");
            if (s == 3)
            {
                json.Append("," + HistoSys("hs_one", b => b == 7 ? Nominal(s, b) * 1.2 : Nominal(s, b), b => b == 7 ? Nominal(s, b) * 0.9 : Nominal(s, b)));
            }

            if (s == 5)
            {
                json.Append(""",{"name": "ns_one", "type": "normsys", "data": {"hi": 1.3, "lo": 0.6}}""");
            }

            if (s == 0 || s == Samples - 1)
            {
                int bin = s == 0 ? 0 : Bins - 1;
                json.Append("," + HistoSys("hs_split", b => b == bin ? Nominal(s, b) * 1.05 : Nominal(s, b), b => b == bin ? Nominal(s, b) * 0.97 : Nominal(s, b)));
            }

            if (s == 0)
            {
                json.Append(""",{"name": "mu", "type": "normfactor", "data": null}""");
            }

            json.Append("]}");
        }

        json.Append("]}], \"observations\": [{\"name\": \"SR\", \"data\": " + Row(b => (Samples * 22.0) + b) + "}],");
        json.Append("""  "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"}""");
        return json.ToString();
    }

    private static string HistoSys(string name, Func<int, double> hi, Func<int, double> lo) =>
        "{\"name\": \"" + name + "\", \"type\": \"histosys\", \"data\": {\"hi_data\": " + Row(hi) + ", \"lo_data\": " + Row(lo) + "}}";

    private static string Row(Func<int, double> value) => "[" + string.Join(", ", Enumerable.Range(0, Bins).Select(b => Number(value(b)))) + "]";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A random workspace of <see cref="ModifierTilesTests"/> and pyhf's expected data for it, per bin.</summary>
internal sealed class RandomModel
{
    private const int Parameters = 6;

    private readonly List<(int Bins, List<Sample> Samples)> _channels = [];

    public static RandomModel Draw(Random random)
    {
        var model = new RandomModel();
        int channels = 1 + random.Next(3);
        for (int c = 0; c < channels; c++)
        {
            int bins = 1 + random.Next(4);
            var samples = new List<Sample>();
            int count = 1 + random.Next(9);
            for (int s = 0; s < count; s++)
            {
                double[] nominal = [.. Enumerable.Range(0, bins).Select(_ => 5.0 + (50.0 * random.NextDouble()))];
                var normsys = new List<(int, double, double)>();
                var histosys = new List<(int, double[], double[])>();
                for (int p = 0; p < Parameters; p++)
                {
                    if (random.NextDouble() < 0.6)
                    {
                        normsys.Add((p, 1.01 + (0.5 * random.NextDouble()), 0.6 + (0.39 * random.NextDouble())));
                    }

                    if (random.NextDouble() < 0.5)
                    {
                        // A third of the bins keep the nominal: no cell for them.
                        bool[] flat = [.. nominal.Select(_ => random.Next(3) == 0)];
                        histosys.Add((p,
                            [.. nominal.Select((n, b) => flat[b] ? n : n * (1.0 + (0.2 * random.NextDouble())))],
                            [.. nominal.Select((n, b) => flat[b] ? n : n * (1.0 - (0.2 * random.NextDouble())))]));
                    }
                }

                samples.Add(new Sample(nominal, normsys, histosys));
            }

            model._channels.Add((bins, samples));
        }

        return model;
    }

    public string Json()
    {
        var json = new StringBuilder("""{"channels": [""");
        for (int c = 0; c < _channels.Count; c++)
        {
            json.Append(c == 0 ? "" : ",").Append("{\"name\": \"ch").Append(c).Append("\", \"samples\": [");
            List<Sample> samples = _channels[c].Samples;
            for (int s = 0; s < samples.Count; s++)
            {
                Sample sample = samples[s];
                var modifiers = new List<string> { "{\"name\": \"staterror_ch" + c + "\", \"type\": \"staterror\", \"data\": " + Row(sample.Nominal.Select(n => 0.05 * n)) + "}" };
                if (s == 0)
                {
                    modifiers.Add("{\"name\": \"mu" + c + "\", \"type\": \"normfactor\", \"data\": null}");
                }

                modifiers.AddRange(sample.NormSys.Select(n => "{\"name\": \"ns" + n.Param + "\", \"type\": \"normsys\", \"data\": {\"hi\": " + Number(n.Hi) + ", \"lo\": " + Number(n.Lo) + "}}"));
                modifiers.AddRange(sample.HistoSys.Select(h => "{\"name\": \"hs" + h.Param + "\", \"type\": \"histosys\", \"data\": {\"hi_data\": " + Row(h.Hi) + ", \"lo_data\": " + Row(h.Lo) + "}}"));
                json.Append(s == 0 ? "" : ",").Append("{\"name\": \"s").Append(s.ToString("D2", CultureInfo.InvariantCulture))
                    .Append("\", \"data\": ").Append(Row(sample.Nominal)).Append(", \"modifiers\": [").Append(string.Join(", ", modifiers)).Append("]}");
            }

            json.Append("]}");
        }

        json.Append("], \"observations\": [");
        json.Append(string.Join(", ", _channels.Select((ch, c) => "{\"name\": \"ch" + c + "\", \"data\": " + Row(Enumerable.Range(0, ch.Bins).Select(b => 40.0 + b)) + "}")));
        json.Append("""], "measurements": [{"name": "m", "config": {"poi": "mu0", "parameters": []}}], "version": "1.0.0"}""");
        return json.ToString();
    }

    /// <summary>pyhf's expected main data, channel by channel, with the parameters looked up by name.</summary>
    public double[] Lambda(Func<string, double> parameter, NormSysInterpolation normsysCode, HistoSysInterpolation histosysCode)
    {
        var lambda = new List<double>();
        for (int c = 0; c < _channels.Count; c++)
        {
            for (int bin = 0; bin < _channels[c].Bins; bin++)
            {
                double sum = 0.0;
                List<Sample> samples = _channels[c].Samples;
                for (int s = 0; s < samples.Count; s++)
                {
                    Sample sample = samples[s];
                    double nominal = sample.Nominal[bin];
                    double shifted = nominal;
                    foreach ((int p, double[] hi, double[] lo) in sample.HistoSys)
                    {
                        shifted += Shift(histosysCode, parameter("hs" + p), hi[bin], nominal, lo[bin]);
                    }

                    double factor = parameter("staterror_ch" + c + "[" + bin + "]") * (s == 0 ? parameter("mu" + c) : 1.0);
                    foreach ((int p, double hi, double lo) in sample.NormSys)
                    {
                        double alpha = parameter("ns" + p);
                        factor *= normsysCode == NormSysInterpolation.Code1
                            ? (alpha > 0 ? Math.Pow(hi, alpha) : Math.Pow(lo, -alpha))
                            : alpha >= 1 ? Math.Pow(hi, alpha) : alpha <= -1 ? Math.Pow(lo, -alpha) : ModelBehaviourTests.Code4Polynomial(hi, lo, alpha);
                    }

                    sum += shifted * factor;
                }

                lambda.Add(sum);
            }
        }

        return [.. lambda];
    }

    private static double Shift(HistoSysInterpolation code, double alpha, double hi, double nominal, double lo)
    {
        switch (code)
        {
            case HistoSysInterpolation.Code0:
                return alpha > 0 ? alpha * (hi - nominal) : alpha * (nominal - lo);
            case HistoSysInterpolation.Code2:
                double a = (0.5 * (hi + lo)) - nominal;
                double b = 0.5 * (hi - lo);
                return alpha > 1 ? (b + (2 * a)) * (alpha - 1) : alpha >= -1 ? (a * alpha * alpha) + (b * alpha) : (b - (2 * a)) * (alpha + 1);
            default:
                return ModifierTilesTests.Code4pShift(alpha, hi, nominal, lo);
        }
    }

    private static string Row(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(Number)) + "]";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private sealed record Sample(double[] Nominal, List<(int Param, double Hi, double Lo)> NormSys, List<(int Param, double[] Hi, double[] Lo)> HistoSys);
}
