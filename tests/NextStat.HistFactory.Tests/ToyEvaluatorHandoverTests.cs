using NextStat.HistFactory.Inference;
using NextStat.Kernels.Fitting;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>An objective of one toy data set evaluating on the scratch of the previous toy's evaluator.</summary>
public class ToyEvaluatorHandoverTests
{
    [Fact]
    public void AToyTakesOverThePreviousToysScratchAndGetsTheBitsOfAFreshEvaluator()
    {
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Load(Fixtures.WorkspacePath("sbottom_regionB_1400_550_60")));
        var generator = new ToyGenerator(model.ForInference(), [.. model.Inits]);
        (double[] main0, double[] aux0) = generator.Sample(3, 0);
        (double[] main1, double[] aux1) = generator.Sample(3, 1);
        HistFactoryObjective previousToy = model.CreateObjective(main0, aux0);
        HistFactoryObjective toy = model.CreateObjective(main1, aux1);
        int n = model.ParameterCount;
        double[] gradient = new double[n];

        // The previous toy's evaluator has been used, so its scratch holds that data set's state.
        IObjectiveEvaluator previous = previousToy.CreateEvaluator();
        double previousValue = previous.ValueAndGradient(Point(model, 0), gradient);
        IObjectiveEvaluator handedOver = toy.CreateEvaluator(previous);
        IObjectiveEvaluator fresh = toy.CreateEvaluator();

        // An evaluator of another model is not taken over: the objective makes a new one.
        HistFactoryModel other = HistFactoryModel.Build(Workspace.Load(Fixtures.WorkspacePath("sbottom_regionC_1600_850_60")));
        IObjectiveEvaluator foreign = other.CreateObjective([.. other.ObservedMainData], [.. other.ObservedAuxData]).CreateEvaluator();
        IObjectiveEvaluator notTakenOver = toy.CreateEvaluator(foreign);

        double[] expected = new double[n];
        double[] actual = new double[n];
        for (int k = 1; k <= 4; k++)
        {
            double[] point = Point(model, k);
            double value = fresh.ValueAndGradient(point, expected);
            Assert.NotEqual(previousValue, value);
            Assert.Equal(value, handedOver.ValueAndGradient(point, actual));
            Assert.Equal(expected, actual);
            Assert.Equal(value, handedOver.Value(point));
            Assert.Equal(value, notTakenOver.ValueAndGradient(point, actual));
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>The inits moved by a k-dependent pattern, inside the bounds.</summary>
    private static double[] Point(HistFactoryModel model, int k)
    {
        double[] point = [.. model.Inits];
        for (int i = 0; i < point.Length; i++)
        {
            point[i] = Math.Clamp(point[i] + (0.05 * k * ((i % 3) - 1)), model.LowerBounds[i], model.UpperBounds[i]);
        }

        return point;
    }
}
