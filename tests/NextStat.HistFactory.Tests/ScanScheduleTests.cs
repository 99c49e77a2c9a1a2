using NextStat.HistFactory.Inference;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>Scan points fitted as their chains' dependencies allow, on a real likelihood.</summary>
public class ScanScheduleTests
{
    [Theory]
    [InlineData("sbottom_regionB_1400_550_60")]
    [InlineData("atlas_susy_2018_04_staus_combined")]
    public void ScanPointsAreTheSameBitsForOneTwoAndThreeWorkers(string name)
    {
        (HistFactoryInferenceModel model, MleResult mle) = InferenceParityTests.Fit(name);
        // 21 points: six chains of three or four, each fitted from its middle point outwards.
        double[] grid = ProfileScan.Grid(0, 2, 21);
        ScanResult one = ProfileScan.Run(model, grid, new InferenceOptions { Threads = 1 }, mle);
        foreach (int threads in new[] { 2, 3 })
        {
            ScanResult other = ProfileScan.Run(model, grid, new InferenceOptions { Threads = threads }, mle);
            for (int i = 0; i < grid.Length; i++)
            {
                Assert.True(one.Points[i].Converged);
                Assert.Equal(grid[i], one.Points[i].Mu);
                Assert.Equal(one.Points[i].TwiceNll, other.Points[i].TwiceNll);
                Assert.Equal(one.Points[i].Parameters, other.Points[i].Parameters);
            }
        }

        // The profile rises away from the best fit on either side, as a scan of a one-minimum likelihood must.
        for (int i = 1; i < grid.Length; i++)
        {
            if (grid[i - 1] < mle.PoiValue && grid[i] > mle.PoiValue)
            {
                // The minimum lies between these two points.
                continue;
            }

            double previous = one.Points[i - 1].DeltaTwiceNll;
            double current = one.Points[i].DeltaTwiceNll;
            Assert.True(grid[i] <= mle.PoiValue ? current <= previous + 1e-9 : current >= previous - 1e-9, $"Δtwice_nll {previous} → {current} at μ = {grid[i]} (μ̂ = {mle.PoiValue})");
        }
    }

    [Fact]
    public void AScanOnAModelWhoseMinimizersDidOtherFitsGivesTheSameBitsAsOnAFreshModel()
    {
        const string name = "sbottom_regionB_1400_550_60";
        double[] grid = ProfileScan.Grid(0, 2, 21);
        HistFactoryInferenceModel used = Fixtures.Model(name).ForInference();
        MleResult mle = MaximumLikelihood.Fit(used, new InferenceOptions { Threads = 2 });

        // The model's kept minimizers (two workers' worth) fit another grid and a ranking first.
        ProfileScan.Run(used, ProfileScan.Grid(0.5, 3, 9), new InferenceOptions { Threads = 2 }, mle);
        Ranking.Run(used, new InferenceOptions { Threads = 2 }, mle);
        ScanResult reused = ProfileScan.Run(used, grid, new InferenceOptions { Threads = 2 }, mle);

        HistFactoryInferenceModel fresh = Fixtures.Model(name).ForInference();
        ScanResult first = ProfileScan.Run(fresh, grid, new InferenceOptions { Threads = 1 }, MaximumLikelihood.Fit(fresh, new InferenceOptions { Threads = 1 }));
        for (int i = 0; i < grid.Length; i++)
        {
            Assert.True(first.Points[i].Converged);
            Assert.Equal(first.Points[i].TwiceNll, reused.Points[i].TwiceNll);
            Assert.Equal(first.Points[i].Parameters, reused.Points[i].Parameters);
        }
    }
}
