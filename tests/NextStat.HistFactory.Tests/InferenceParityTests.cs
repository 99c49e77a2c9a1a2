using System.Collections.Concurrent;
using System.Text.Json;
using NextStat.HistFactory.Inference;
using Xunit;
using Xunit.Abstractions;

namespace NextStat.HistFactory.Tests;

/// <summary>Fits, scans and CLs against pyhf's tightly converged results in the fixture records.</summary>
public class InferenceParityTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<string, Lazy<(HistFactoryInferenceModel Model, MleResult Mle)>> Fits = new();

    public static TheoryData<string> PreciseRecords() => Names(r => r.Has("mle_precise") && r.GetProperty("model").GetProperty("poi_index").ValueKind == JsonValueKind.Number);

    public static TheoryData<string> ScanRecords() => Names(r => r.Has("scan_precise"));

    public static TheoryData<string> HypotestRecords() => Names(r => r.Has("hypotest_precise"));

    public static TheoryData<string> AtlasRecords() => Names(r => !r.Has("mle_precise"));

    private static TheoryData<string> Names(Func<JsonElement, bool> filter) => [.. InferenceFixtures.RecordNames().Where(n => filter(InferenceFixtures.Record(n)))];

    internal static (HistFactoryInferenceModel Model, MleResult Mle) Fit(string name) =>
        Fits.GetOrAdd(name, n => new Lazy<(HistFactoryInferenceModel, MleResult)>(() =>
        {
            HistFactoryInferenceModel model = Fixtures.Model(n).ForInference();
            return (model, MaximumLikelihood.Fit(model, new InferenceOptions { Threads = 1 }));
        })).Value;

    [Theory]
    [MemberData(nameof(PreciseRecords))]
    public void BestFitMatchesPyhfPrecise(string name)
    {
        JsonElement record = InferenceFixtures.Record(name);
        (HistFactoryInferenceModel model, MleResult mle) = Fit(name);
        Assert.True(mle.Converged, mle.Fit.Message);
        JsonElement precise = record.GetProperty("mle_precise");
        double[] pyhf = precise.GetProperty("pars").Doubles();
        double pyhfTwiceNll = precise.GetProperty("twice_nll").ToDouble();
        string[] names = [.. record.GetProperty("model").GetProperty("par_names").EnumerateArray().Select(e => e.GetString()!)];
        double worst = 0;
        string worstName = string.Empty;
        for (int i = 0; i < names.Length; i++)
        {
            double diff = Math.Abs(mle.Fit.Parameters[model.Model.IndexOf(names[i])] - pyhf[i]);
            if (diff > worst)
            {
                worst = diff;
                worstName = names[i];
            }
        }

        output.WriteLine($"{name}: max |Δθ| {worst:E2} ({worstName}), twice_nll ours − pyhf {mle.TwiceNll - pyhfTwiceNll:E2}, evaluations {mle.Fit.Evaluations}");
        // Where the likelihood is flat in a direction the best-fit point is poorly defined: a lower twice_nll passes.
        Assert.True(worst <= 2e-4 || mle.TwiceNll <= pyhfTwiceNll + 1e-9, $"max |Δθ| {worst} at {worstName}; twice_nll {mle.TwiceNll:R} vs pyhf {pyhfTwiceNll:R}");
        Assert.True(mle.TwiceNll <= pyhfTwiceNll + 1e-6, $"twice_nll {mle.TwiceNll:R} vs pyhf {pyhfTwiceNll:R}");
    }

    [Theory]
    [MemberData(nameof(PreciseRecords))]
    public void UncertaintiesMatchPyhfHesse(string name)
    {
        JsonElement record = InferenceFixtures.Record(name);
        (HistFactoryInferenceModel model, MleResult mle) = Fit(name);
        JsonElement minuit = record.GetProperty("mle_precise_minuit");
        double[] pyhf = minuit.GetProperty("uncertainties").Doubles();
        double[] pyhfValues = minuit.GetProperty("pars").Doubles();
        string[] names = [.. record.GetProperty("model").GetProperty("par_names").EnumerateArray().Select(e => e.GetString()!)];
        Assert.All(mle.Parameters.Where((_, i) => !model.Fixed[i]), p => Assert.True(p.Uncertainty > 0 && double.IsFinite(p.Uncertainty), p.ToString()));
        if (PyhfInLocalMinimum(record))
        {
            output.WriteLine($"{name}: pyhf's best fit is a local minimum (its own scan goes lower); uncertainties not compared");
            return;
        }

        if (name == "export_no_parameter_inits")
        {
            // The same likelihood as export_no_parameter_bounds with other bounds and inits: our uncertainties agree
            // between the two (and with pyhf's there, to 1.3e-3), pyhf's differ by 11% between them.
            (_, MleResult sibling) = Fit("export_no_parameter_bounds");
            Assert.Equal(sibling.PoiUncertainty, mle.PoiUncertainty, 1e-4);
            output.WriteLine($"{name}: pyhf's MINUIT errors depend on the bounds here; compared with the sibling record instead");
            return;
        }

        for (int i = 0; i < names.Length; i++)
        {
            int index = model.Model.IndexOf(names[i]);
            double distance = Math.Min(pyhfValues[i] - model.LowerBounds[index], model.UpperBounds[index] - pyhfValues[i]);
            if (!model.Fixed[index] && distance < 1e-2 * pyhf[i])
            {
                // MINUIT's sin transformation makes its Hessian depend on how close to the bound its minimum lands
                // (pyhf's two MINUIT runs in the record differ by up to 50% on such fits): no reference to compare with.
                output.WriteLine($"{name}: '{names[i]}' ends {distance:E1} from a bound in pyhf's fit; uncertainties not compared");
                return;
            }
        }

        double worst = 0;
        string worstName = string.Empty;
        for (int i = 0; i < names.Length; i++)
        {
            int index = model.Model.IndexOf(names[i]);
            if (model.Fixed[index] || mle.Fit.AtBound.Contains(index))
            {
                continue;
            }

            double ours = MinuitReportedError(mle.Fit.Parameters[index], mle.Fit.Uncertainties![index], model.LowerBounds[index], model.UpperBounds[index]);
            double relative = Math.Abs((ours / pyhf[i]) - 1);
            if (relative > worst)
            {
                worst = relative;
                worstName = names[i];
            }
        }

        output.WriteLine($"{name}: max relative Δσ {worst:E2} ({worstName})");
        Assert.True(worst <= 5e-3, $"{worstName}: relative difference {worst}");
    }

    /// <summary>pyhf's own tight scan reaches below its tight best fit: that best fit is a local minimum.</summary>
    private static bool PyhfInLocalMinimum(JsonElement record) =>
        record.Has("scan_precise")
        && record.GetProperty("scan_precise").GetProperty("twice_nll").Doubles().Min() < record.GetProperty("mle_precise").GetProperty("twice_nll").ToDouble() - 1e-3;

    /// <summary>
    /// The error MINUIT reports for a parameter with two limits, given the error σ from the Hessian in the
    /// parameter's own units: MINUIT works in the internal variable p with x = a + (b − a)(sin p + 1)/2, where the
    /// error is σ_p = σ/|dx/dp|, and reports ½(|x(p + σ_p) − x| + |x(p − σ_p) − x|) (the full range when σ_p &gt; 1).
    /// pyhf's uncertainties are these reported errors; the covariance underneath is the same, so this maps ours onto
    /// theirs for a like-for-like comparison.
    /// </summary>
    private static double MinuitReportedError(double x, double sigma, double a, double b)
    {
        if (!double.IsFinite(a) || !double.IsFinite(b))
        {
            return sigma;
        }

        double p = Math.Asin(Math.Clamp((2 * (x - a) / (b - a)) - 1, -1, 1));
        double derivative = 0.5 * (b - a) * Math.Cos(p);
        if (derivative == 0)
        {
            return sigma;
        }

        double sigmaInternal = sigma / Math.Abs(derivative);
        double External(double q) => a + (0.5 * (b - a) * (Math.Sin(q) + 1));
        double up = External(p + sigmaInternal) - x;
        double down = External(p - sigmaInternal) - x;
        if (sigmaInternal > 1)
        {
            up = b - a;
        }

        return 0.5 * (Math.Abs(up) + Math.Abs(down));
    }

    [Theory]
    [MemberData(nameof(AtlasRecords))]
    public void AtlasFitsReachPyhfsMinimum(string name)
    {
        JsonElement record = InferenceFixtures.Record(name);
        (_, MleResult mle) = Fit(name);
        double pyhf = record.GetProperty("mle").GetProperty("twice_nll").ToDouble();
        output.WriteLine($"{name}: twice_nll ours − pyhf(minuit) {mle.TwiceNll - pyhf:E2}, evaluations {mle.Fit.Evaluations}, EDM {mle.Fit.Edm:E1}");
        Assert.True(mle.Converged, mle.Fit.Message);
        Assert.True(mle.TwiceNll <= pyhf + 1e-6, $"twice_nll {mle.TwiceNll:R} vs pyhf {pyhf:R}");
    }

    [Theory]
    [MemberData(nameof(ScanRecords))]
    public void ScanMatchesPyhfPrecise(string name)
    {
        JsonElement scan = InferenceFixtures.Record(name).GetProperty("scan_precise");
        (HistFactoryInferenceModel model, MleResult mle) = Fit(name);
        double[] mu = scan.GetProperty("poi_values").Doubles();
        double[] pyhf = scan.GetProperty("twice_nll").Doubles();
        ScanResult ours = ProfileScan.Run(model, mu, new InferenceOptions { Threads = 1 }, mle);
        double worst = 0;
        int worstPoint = 0;
        int lower = 0;
        for (int i = 0; i < mu.Length; i++)
        {
            // twice_nll of each conditional fit: equal model constants (checked by the model's parity tests) make
            // this the Δtwice_nll comparison without pyhf's best fit as a shared offset. On likelihoods with several
            // minima (the coupled-histosys examples) a fit below pyhf's is a better fit, not a mismatch.
            double diff = ours.Points[i].TwiceNll - pyhf[i];
            if (diff < -1e-3)
            {
                lower++;
                continue;
            }

            if (Math.Abs(diff) > worst)
            {
                worst = Math.Abs(diff);
                worstPoint = i;
            }
        }

        output.WriteLine($"{name}: max |Δtwice_nll| {worst:E2} at mu = {mu[worstPoint]}; {lower} of {mu.Length} points below pyhf's by more than 1e-3");
        Assert.True(worst <= 1e-3, $"max difference {worst} at mu = {mu[worstPoint]}");
        // Where pyhf's value is NaN (a sample whose only normalisation is the POI, scanned at 0) ours is NaN too.
        for (int i = 0; i < mu.Length; i++)
        {
            Assert.True(double.IsFinite(pyhf[i]) ? ours.Points[i].Converged : double.IsNaN(ours.Points[i].TwiceNll), $"mu = {mu[i]}: {ours.Points[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(HypotestRecords))]
    public void AsymptoticClsMatchesPyhfPrecise(string name)
    {
        JsonElement record = InferenceFixtures.Record(name);
        JsonElement hypotest = record.GetProperty("hypotest_precise");
        (HistFactoryInferenceModel model, MleResult mle) = Fit(name);
        double pyhfBest = record.GetProperty("mle_precise").GetProperty("twice_nll").ToDouble();
        double pyhfScanBest = record.GetProperty("scan_precise").GetProperty("twice_nll").Doubles().Min();
        if (PyhfInLocalMinimum(record))
        {
            // pyhf's own scan went below its best fit: its best fit (and so its CLs) sits in a local minimum. Ours
            // must reach at least the scan's lowest point; the CLs values then differ by construction.
            output.WriteLine($"{name}: pyhf's best fit {pyhfBest:R} is above its own scan minimum {pyhfScanBest:R}; ours {mle.TwiceNll:R}");
            Assert.True(mle.TwiceNll <= pyhfScanBest + 1e-6);
            return;
        }

        AsymptoticCls cls = new AsymptoticCalculator(model, new InferenceOptions { Threads = 1 }, mle).Hypotest(hypotest.GetProperty("mu").ToDouble());
        double[] expected = hypotest.GetProperty("CLs_exp").Doubles();
        double worst = Math.Abs(cls.Cls - hypotest.GetProperty("CLs_obs").ToDouble());
        for (int k = 0; k < expected.Length; k++)
        {
            worst = Math.Max(worst, Math.Abs(cls.ExpectedCls[k] - expected[k]));
        }

        output.WriteLine($"{name}: CLs {cls.Cls:G6} (pyhf {hypotest.GetProperty("CLs_obs").ToDouble():G6}), max |ΔCLs| obs/exp {worst:E2}");
        Assert.True(worst <= 5e-4, $"max difference {worst}");
    }
}
