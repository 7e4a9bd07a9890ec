// Labels the texts on stdin (one per line) with a trained attune run or
// export: `label_texts RUN_OR_EXPORT < texts.txt` prints, per line, the
// predicted label and its probability, tab-separated.
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/predict/predictor.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " RUN_OR_EXPORT < texts.txt\n";
    return 2;
  }
  try {
    const attune::Predictor predictor(argv[1]);
    std::vector<std::string> texts;
    for (std::string line; std::getline(std::cin, line);) texts.push_back(line);
    for (const auto& prediction : predictor.classify(texts)) {
      std::cout << prediction.label << '\t' << prediction.probabilities[prediction.label_id] << '\n';
    }
    return 0;
  } catch (const attune::InputError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
}
