using System.Text.Json;
using NextStat.HistFactory.Inference;
using NextStat.Kernels.Fitting;
using Xunit;
using Xunit.Abstractions;

namespace NextStat.HistFactory.Tests;

/// <summary>Toys against pyhf's: the same distribution of μ̂ (mean and width within statistical errors), not the same draws.</summary>
public class InferenceToyParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> ToyRecords() =>
        [.. InferenceFixtures.RecordNames().Where(n =>
        {
            JsonElement record = InferenceFixtures.Record(n);
            return record.Has("toys") && record.GetProperty("toys").Has("poi_hat_mean") && record.GetProperty("model").GetProperty("poi_index").ValueKind == JsonValueKind.Number;
        })];

    [Theory]
    [MemberData(nameof(ToyRecords))]
    public void PoiHatDistributionMatchesPyhfToys(string name)
    {
        JsonElement toys = InferenceFixtures.Toys(name);
        double[] pyhfPoi = toys.GetProperty("poi_hat").Doubles().Where(double.IsFinite).ToArray();
        double[] generating = toys.GetProperty("generating_pars").Doubles();
        HistFactoryInferenceModel model = Fixtures.Model(name).ForInference();
        // Generating parameters in pyhf's order are the model's order (checked by the model's parity tests).
        // Large models get fewer toys to keep the suite fast; the tolerances follow the sample sizes.
        int count = model.ParameterNames.Count > 50 ? 40 : 200;
        FitResult[] fits = ToyStudy.Run(model, generating, 20261128, 0, count, new InferenceOptions { Threads = 2, Fit = FitOptions.Default with { ComputeUncertainties = false } }, InferenceParityTests.Fit(name).Mle.Fit.Covariance);
        double[] ours = [.. fits.Where(f => f.Converged).Select(f => f.Parameters[model.PoiIndex])];
        if (ours.Length < 0.97 * count)
        {
            Assert.Fail($"{count - ours.Length} of {count} toy fits did not converge, e.g.: {fits.First(f => !f.Converged).Message}");
        }

        (double meanOurs, double sdOurs) = MeanAndSd(ours);
        (double meanPyhf, double sdPyhf) = MeanAndSd(pyhfPoi);
        // 4σ of the difference of two sample means, and of two sample widths (σ of a width ≈ s/√(2N), inflated ×1.5
        // because μ̂ piles up at its bound of 0, far from normal).
        double meanTolerance = 4 * Math.Sqrt((sdOurs * sdOurs / ours.Length) + (sdPyhf * sdPyhf / pyhfPoi.Length));
        double sdTolerance = 6 * Math.Sqrt((sdOurs * sdOurs / (2.0 * ours.Length)) + (sdPyhf * sdPyhf / (2.0 * pyhfPoi.Length)));
        output.WriteLine($"{name}: mean μ̂ {meanOurs:G4} vs pyhf {meanPyhf:G4} (±{meanTolerance:G2}), sd {sdOurs:G4} vs {sdPyhf:G4} (±{sdTolerance:G2}), {ours.Length} vs {pyhfPoi.Length} toys");
        Assert.InRange(meanOurs - meanPyhf, -meanTolerance, meanTolerance);
        Assert.InRange(sdOurs - sdPyhf, -sdTolerance, sdTolerance);
    }

    private static (double Mean, double Sd) MeanAndSd(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, Math.Sqrt(variance));
    }
}
